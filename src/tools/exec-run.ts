// Shared by the exec tools (bash, executable plugins, write_file's validate): resolves the
// working directory inside the root, applies the timeout to the whole process group, wraps the
// command in bubblewrap when ctx.sandbox is set (refusing if bwrap cannot run: never a silent
// unsandboxed run), and caps the captured output with a note saying how much was dropped.
import fs from 'node:fs';
import { resolveInRoot } from '../host/fs-resolve.js';
import type { RunResult } from '../host/process-runner.js';
import { bwrapCommand, probeSandbox, scrubEnv, withoutAiosCredentials } from '../host/sandbox.js';
import type { Effect } from '../types.js';
import type { ToolContext, ToolResult } from './tool.js';

export const DEFAULT_TIMEOUT_SEC = 300;
export const DEFAULT_MAX_OUTPUT = 64 * 1024;

export interface ExecRequest {
  command: string[];
  /** Host path; defaults to ctx.cwd, then `/` of the root. */
  cwd?: string | undefined;
  timeoutSec?: number | undefined;
  input?: string | undefined;
  effect: Effect;
  /** Extra environment for the process (after secrets are scrubbed in a sandbox). */
  env?: Record<string, string> | undefined;
  /** Real paths the process must see read-only in a sandbox (its executable's dir, a temp file). */
  readable?: string[] | undefined;
}

export type ExecOutcome =
  | { ok: true; result: RunResult; timedOut: boolean }
  | { ok: false; refusal: ToolResult };

export async function runExec(ctx: ToolContext, req: ExecRequest): Promise<ExecOutcome> {
  if (ctx.signal?.aborted)
    return { ok: false, refusal: { ok: false, output: 'cancelled before it started' } };
  const cwdHost = req.cwd ?? ctx.cwd ?? '/';
  let cwd: string;
  try {
    cwd = await resolveInRoot(ctx.root, cwdHost, true);
    const st = await fs.promises.stat(cwd);
    if (!st.isDirectory()) throw new Error('not a directory');
  } catch (e) {
    return {
      ok: false,
      refusal: { ok: false, output: `working directory ${cwdHost} is not usable: ${(e as Error).message}` },
    };
  }
  const timeoutSec = req.timeoutSec ?? DEFAULT_TIMEOUT_SEC;
  const baseEnv = ctx.sandbox ? scrubEnv(process.env) : withoutAiosCredentials(process.env);
  const env: NodeJS.ProcessEnv = { ...baseEnv, AIOS_ROOT: ctx.root.root, ...req.env };
  let command = req.command;
  if (ctx.sandbox) {
    const status = await probeSandbox(ctx.runner);
    if (!status.available) {
      return {
        ok: false,
        refusal: { ok: false, output: `refused: [security] sandbox = true, but ${status.reason}` },
      };
    }
    let writable: string[];
    try {
      // Resolved inside the root: a link in a --root image must not make a machine path writable.
      writable = await Promise.all((ctx.writablePaths ?? []).map((p) => resolveInRoot(ctx.root, p, true)));
      // The session's working directory (ctx.cwd, chosen by aios or the user) is writable; a `cwd`
      // in the tool's arguments only says where to start, so a model cannot open /etc by naming it.
      // The root itself never is: on `/` that would undo the sandbox, under --root open the tree.
      if (ctx.cwd !== undefined) {
        const session = await resolveInRoot(ctx.root, ctx.cwd, true);
        if (session !== ctx.root.root) writable.push(session);
      }
    } catch (e) {
      return { ok: false, refusal: { ok: false, output: `bad writable path: ${(e as Error).message}` } };
    }
    // The root itself stays visible (read-only) even when it lives under /tmp.
    const readable = [ctx.root.root, ...(req.readable ?? [])];
    command = bwrapCommand(command, {
      cwd,
      cwdWritable: false,
      writable,
      readable,
      network: req.effect === 'network',
    });
  }
  // timeout(1) kills its whole process group, so `bash -c 'sleep 1000; ...'` does not outlive it;
  // the runner's own timer is only a backstop.
  const wrapped = ['timeout', '-k', '2', `${timeoutSec}s`, ...command];
  const max = ctx.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const result = await ctx.runner(wrapped, {
    cwd,
    env,
    timeoutMs: (timeoutSec + 5) * 1000,
    // Capture more than we show, so the truncation note can say how much was dropped.
    maxOutputBytes: Math.max(max * 4, 1024 * 1024),
    ...(req.input !== undefined ? { input: req.input } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const timedOut =
    result.timedOut ||
    ((result.exitCode === 124 || result.exitCode === 137) && result.durationMs >= timeoutSec * 1000 - 50);
  return { ok: true, result, timedOut };
}

/** Cut `text` to `max` bytes, saying how many were dropped. `more` marks a stream already capped. */
export function capOutput(text: string, max: number, more = false): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= max && !more) return text;
  if (bytes <= max) return `${text}\n[output truncated: more bytes were dropped]`;
  const kept = Buffer.from(text, 'utf8').subarray(0, max).toString('utf8');
  const dropped = bytes - max;
  return `${kept}\n[output truncated: ${more ? 'more than ' : ''}${dropped} bytes more]`;
}

/** A process result as a ToolResult: stdout as output, stderr separate, both capped. */
export function execResult(ctx: ToolContext, outcome: ExecOutcome, timeoutSec: number): ToolResult {
  if (!outcome.ok) return outcome.refusal;
  const { result, timedOut } = outcome;
  const max = ctx.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  let output = capOutput(result.stdout, max, result.truncated);
  if (timedOut) output += `${output ? '\n' : ''}[timed out after ${timeoutSec}s; the command was killed]`;
  const out: ToolResult = {
    ok: result.exitCode === 0 && !timedOut,
    output,
    exitCode: result.exitCode,
    stderr: capOutput(result.stderr, max, result.truncated),
    // An exec tool may have changed anything; we cannot prove it did not.
    changed: true,
  };
  return out;
}
