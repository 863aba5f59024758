// Turning a model's tool-call argument text into the loop's ModelToolCall: parsed when it is a JSON
// object, otherwise kept as `argsText` with empty args so the loop can answer "bad arguments" instead
// of crashing. Pure.
import type { ModelToolCall } from '../agent-types.js';

/** Arguments as sent: a string per the wire spec, but some compatible servers send the object itself. */
export function argumentText(raw: unknown): string {
  if (raw === undefined || raw === null) return '';
  return typeof raw === 'string' ? raw : JSON.stringify(raw);
}

export function toolCall(id: string, name: string, text: string): ModelToolCall {
  // No-argument tools: some servers (ollama) send "" rather than "{}".
  if (text.trim() === '') return { id, name, args: {} };
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return { id, name, args: parsed as Record<string, unknown> };
    }
  } catch {
    // falls through: kept as text below
  }
  return { id, name, args: {}, argsText: text };
}

/** The argument text to send back for a call the model made earlier. */
export function argsTextOf(call: ModelToolCall): string {
  return call.argsText ?? JSON.stringify(call.args);
}
