// Asks a person to confirm an action the gate said "confirm" for. On a TTY it shows the command,
// the rule and the reason and waits for y/N; `--yes` approves without asking; with no TTY and no
// `--yes` the answer is no (the action is not run). A deny is never confirmable; an allow needs no
// question. The caller records the answer in the audit log.
import { createInterface } from 'node:readline/promises';
import type { Action, Decision } from '../src/types.js';
import { type Io, paint } from './io.js';

export interface ConfirmOptions {
  yes: boolean;
  /** Reads one answer line (tests inject it; default: a readline prompt on stdin/stderr). */
  ask?: (question: string) => Promise<string>;
}

export async function confirmAction(
  io: Io,
  action: Action,
  decision: Decision,
  opts: ConfirmOptions,
): Promise<boolean> {
  if (decision.verdict === 'deny') return false;
  if (decision.verdict === 'allow') return true;
  if (opts.yes) return true;
  if (!opts.ask && !io.stdinTTY) {
    io.err(
      `not run: ${describeAction(action)} needs confirmation (${decision.rule}: ${decision.reason}); ` +
        'rerun on a terminal, or with --yes to approve',
    );
    return false;
  }
  io.err(
    [
      `${paint(io, 'yellow', 'confirm')} ${paint(io, 'bold', describeAction(action))}`,
      `  rule:   ${decision.rule}`,
      `  reason: ${decision.reason}`,
      ...(action.reason ? [`  why:    ${action.reason}`] : []),
    ].join('\n'),
  );
  const ask = opts.ask ?? promptLine;
  const answer = (await ask('Run it? [y/N] ')).trim().toLowerCase();
  return answer === 'y' || answer === 'yes';
}

/** One line for a person: the shell command, or the tool with its main argument. */
export function describeAction(action: Action): string {
  const a = action.args;
  if (action.tool === 'bash' && typeof a.command === 'string') return a.command;
  const main = a.path ?? a.name;
  return typeof main === 'string' ? `${action.tool} ${main}` : `${action.tool} ${JSON.stringify(a)}`;
}

async function promptLine(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } catch {
    return '';
  } finally {
    rl.close();
  }
}
