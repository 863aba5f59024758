// Runs a check command (an intent's `check`) the way `aios diff` may: after the caller's gate said
// allow, with the managed root as working directory, AIOS_ROOT set, an environment without secrets,
// a timeout over the whole process group, and under bubblewrap with the whole file system
// read-only — always when [security] sandbox is on (refused when bwrap cannot run), otherwise
// whenever bwrap works here. It never decides policy itself: the `decide` function does.
import type { Action, Decision, Effect } from '../types.js';
import type { ProcessRunner } from './process-runner.js';
import type { RootPath } from './root-path.js';
import { bwrapCommand, probeSandbox, scrubEnv } from './sandbox.js';

/** What observe keeps of a check's output: enough to show why it fails, small enough for a plan. */
export const CHECK_OUTPUT_MAX = 4096;
export const DEFAULT_CHECK_TIMEOUT_SEC = 60;

export interface CheckRequest {
  command: string;
  root: RootPath;
  runner: ProcessRunner;
  /** [security] sandbox: refuse rather than run outside bubblewrap. */
  sandbox: boolean;
  timeoutSec?: number;
  /** The resource the check belongs to, for the gate's records. */
  resource?: string;
}

export type CheckOutcome =
  | { ran: true; exitCode: number; output: string; timedOut: boolean; sandboxed: boolean }
  /** Not run: the gate did not allow it (rule and reason), or the sandbox could not be had. */
  | { ran: false; verdict: Decision['verdict'] | 'refused'; rule: string; reason: string };

/** The Action the gate sees for a check: a bash command line in `/` of the managed root. */
export function checkAction(command: string, resource?: string): Action {
  return {
    tool: 'bash',
    args: { command, cwd: '/' },
    ...(resource ? { resource } : {}),
    reason: 'read-only check',
  };
}

/**
 * Ask `decide`, then run the check only on `allow`. A confirm is not asked for: nobody should
 * have to approve a look at the host, and `aios diff` must never prompt.
 */
export async function gatedCheck(
  decide: (action: Action, effect: Effect) => Promise<Decision> | Decision,
  req: CheckRequest,
): Promise<CheckOutcome> {
  let decision: Decision;
  try {
    decision = await decide(checkAction(req.command, req.resource), 'read');
  } catch (e) {
    // A broken policy is the user's to fix; the check must not run meanwhile.
    return { ran: false, verdict: 'deny', rule: 'gate-error', reason: (e as Error).message };
  }
  if (decision.verdict !== 'allow') {
    return { ran: false, verdict: decision.verdict, rule: decision.rule, reason: decision.reason };
  }
  return runCheck(req);
}

/** Run the check (the caller has had it decided). Never throws for a failing command. */
export async function runCheck(req: CheckRequest): Promise<CheckOutcome> {
  const timeoutSec = req.timeoutSec ?? DEFAULT_CHECK_TIMEOUT_SEC;
  const cwd = req.root.root;
  let command = ['bash', '-c', req.command];
  const status = await probeSandbox(req.runner);
  if (status.available) {
    // Read-only everywhere (cwd included); the network stays, since "is it served" is a fair check.
    command = bwrapCommand(command, {
      cwd,
      cwdWritable: false,
      writable: [],
      readable: [cwd],
      network: true,
    });
  } else if (req.sandbox) {
    return {
      ran: false,
      verdict: 'refused',
      rule: 'security.sandbox',
      reason: `[security] sandbox = true, but ${status.reason}`,
    };
  }
  const r = await req.runner(['timeout', '-k', '2', `${timeoutSec}s`, ...command], {
    cwd,
    env: { ...scrubEnv(process.env), AIOS_ROOT: cwd },
    timeoutMs: (timeoutSec + 5) * 1000,
    maxOutputBytes: CHECK_OUTPUT_MAX * 4,
  });
  const timedOut = r.timedOut || r.exitCode === 124 || r.exitCode === 137;
  let output = [r.stdout, r.stderr]
    .filter((s) => s.trim() !== '')
    .join('\n')
    .trimEnd();
  if (timedOut) output += `${output ? '\n' : ''}[timed out after ${timeoutSec}s]`;
  return {
    ran: true,
    exitCode: r.exitCode,
    output: capText(output, CHECK_OUTPUT_MAX, r.truncated),
    timedOut,
    sandboxed: status.available,
  };
}

function capText(text: string, max: number, more: boolean): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max && !more) return text;
  return `${buf.subarray(0, max).toString('utf8')}\n[output truncated]`;
}
