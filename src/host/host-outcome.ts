// The result of one host operation run by an adapter (apt, systemctl, useradd, ...): what ran, how it
// ended, and whether the host changed. A failure or a refusal is a value, never a thrown exception, so
// tools can hand it on as a ToolResult. Builds no commands and runs nothing itself.
import { HostError } from '../errors.js';
import type { RunResult } from './process-runner.js';

export interface HostOutcome {
  ok: boolean;
  /** The command line that ran last (empty when the adapter refused before running anything). */
  command: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True only when the host's state differs afterwards (measured, not guessed from the exit code). */
  changed: boolean;
  /** Set when not ok: what failed, or why nothing could be run under this root. */
  error?: HostError;
}

/** An operation that cannot be done here (wrong root, bad name): nothing was run. */
export function refused(message: string): HostOutcome {
  return {
    ok: false,
    command: [],
    exitCode: 1,
    stdout: '',
    stderr: message,
    changed: false,
    error: new HostError(message),
  };
}

/** Wrap a finished process; a non-zero exit becomes an error naming the command and its stderr. */
export function fromRun(run: RunResult, changed: boolean): HostOutcome {
  const ok = run.exitCode === 0 && !run.timedOut;
  const outcome: HostOutcome = {
    ok,
    command: run.command,
    exitCode: run.exitCode,
    stdout: run.stdout,
    stderr: run.stderr,
    changed,
  };
  if (!ok) {
    const why = run.timedOut ? 'timed out' : `exited ${run.exitCode}`;
    const detail = lastLines(run.stderr || run.stdout, 5);
    outcome.error = new HostError(`${run.command.join(' ')} ${why}${detail ? `: ${detail}` : ''}`);
  }
  return outcome;
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}
