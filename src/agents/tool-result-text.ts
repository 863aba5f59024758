// What the model reads back for each tool call: a tool's output (capped, plainly marked as data),
// or the reason it did not run (a deny with its rule, a declined confirm, a queued approval).
// Pure text building, no I/O. Tool output goes back ONLY through these tool results: never into the
// system prompt, so an instruction inside a file or a command's output stays data the gate still
// judges call by call.
import type { ToolResult } from '../tools/tool.js';
import type { Decision } from '../types.js';

export const DEFAULT_MAX_TOOL_RESULT_CHARS = 16_000;

/** `text` cut to at most `max` characters, keeping its head and tail (errors sit at the end). */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = (cut: number) => `\n[... ${cut} characters cut ...]\n`;
  const room = Math.max(0, max - note(text.length).length);
  const head = Math.ceil(room * 0.6);
  const tail = room - head;
  const cut = text.length - head - tail;
  return `${text.slice(0, head)}${note(cut)}${tail > 0 ? text.slice(-tail) : ''}`;
}

/** A finished tool run as the model reads it: status line, output, stderr. */
export function toolResultText(result: ToolResult, max = DEFAULT_MAX_TOOL_RESULT_CHARS): string {
  const parts: string[] = [];
  const status = result.ok ? 'ok' : 'failed';
  parts.push(result.exitCode === undefined ? status : `${status} (exit code ${result.exitCode})`);
  if (result.output) parts.push(result.output);
  if (result.stderr && !result.output.includes(result.stderr)) parts.push(`stderr:\n${result.stderr}`);
  return capText(parts.join('\n'), max);
}

/** One line of a tool result for history and the CLI. */
export function summarise(text: string, max = 160): string {
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function deniedText(d: Decision): string {
  return (
    `NOT RUN: denied by policy (rule ${d.rule}): ${d.reason}. ` +
    'A deny is final: retrying the same action will be denied again. Choose another way that ' +
    'does not need it, or tell the user why it cannot be done.'
  );
}

export function declinedText(d: Decision): string {
  return (
    `NOT RUN: this action needed confirmation (rule ${d.rule}: ${d.reason}) and the user ` +
    'declined it. Do not retry it; ask the user how to proceed or choose another way.'
  );
}

export function queuedText(d: Decision, approvalId: string): string {
  return (
    `NOT RUN YET: this action needs a person's approval (rule ${d.rule}: ${d.reason}). It was ` +
    `queued as approval ${approvalId} and will not run during this conversation. Do not retry ` +
    'it; tell the user it awaits approval (`aios approve ' +
    approvalId +
    '`) and continue with what does not depend on it.'
  );
}

export function cancelledText(): string {
  return 'NOT RUN: the turn was cancelled before this action ran.';
}

export function unknownToolText(name: string, known: string[]): string {
  return `error: there is no tool named "${name}". Available tools: ${known.join(', ')}.`;
}

export function badArgumentsText(name: string, argsText: string): string {
  return `error: the arguments for ${name} were not a JSON object (${summarise(argsText, 120)}). Call it again with valid JSON arguments.`;
}
