// The one place that spawns processes. Everything else receives a `ProcessRunner` so tests can
// inject a fake and so a failing process is a value (exit code, stderr), never a thrown exception.
import type { spawn as Spawn } from 'node:child_process';

// Looked up on the first spawn: a run with nothing to execute (a no-change apply) never loads
// child_process and the networking modules it pulls in.
let spawnFn: typeof Spawn | undefined;
const spawn = ((...args: Parameters<typeof Spawn>) => {
  spawnFn ??= (process.getBuiltinModule('node:child_process') as typeof import('node:child_process')).spawn;
  return spawnFn(...args);
}) as typeof Spawn;

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  timeoutMs?: number;
  /** Cap on captured bytes per stream; the rest is dropped and `truncated` is set. */
  maxOutputBytes?: number;
  /**
   * Cancels the process (Ctrl-C in a chat, a daemon drain): SIGTERM at once, SIGKILL two seconds
   * later if it is still there. The result is the process's own end (exit by signal).
   */
  signal?: AbortSignal;
}

export interface RunResult {
  command: string[];
  exitCode: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timedOut: boolean;
  durationMs: number;
}

export type ProcessRunner = (command: string[], options?: RunOptions) => Promise<RunResult>;

const DEFAULT_MAX_OUTPUT = 1024 * 1024;

export const spawnRunner: ProcessRunner = (command, options = {}) => {
  const started = performance.now();
  const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const [file, ...args] = command;
  return new Promise((resolve) => {
    if (!file) {
      resolve(result(command, 127, null, '', 'empty command', false, false, started));
      return;
    }
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let truncated = false;
    let timedOut = false;
    const collect = (chunks: Buffer[], len: number, chunk: Buffer): number => {
      if (len >= max) {
        truncated = true;
        return len;
      }
      const room = max - len;
      if (chunk.length > room) truncated = true;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(part);
      return len + part.length;
    };
    child.stdout.on('data', (c: Buffer) => {
      outLen = collect(out, outLen, c);
    });
    child.stderr.on('data', (c: Buffer) => {
      errLen = collect(err, errLen, c);
    });
    let killer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), 2000);
      killer.unref();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      if (timer) clearTimeout(timer);
      if (killer) clearTimeout(killer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs)
        : undefined;
    child.on('error', (e: NodeJS.ErrnoException) => {
      settle();
      const code = e.code === 'ENOENT' ? 127 : 126;
      resolve(result(command, code, null, '', `${file}: ${e.message}`, truncated, timedOut, started));
    });
    child.on('close', (code, signal) => {
      settle();
      resolve(
        result(
          command,
          code ?? 128,
          signal,
          Buffer.concat(out).toString('utf8'),
          Buffer.concat(err).toString('utf8'),
          truncated,
          timedOut,
          started,
        ),
      );
    });
    child.stdin.on('error', () => {
      // The child may exit before reading its input; that is its business, not a crash of ours.
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
};

function result(
  command: string[],
  exitCode: number,
  signal: NodeJS.Signals | null,
  stdout: string,
  stderr: string,
  truncated: boolean,
  timedOut: boolean,
  started: number,
): RunResult {
  return {
    command,
    exitCode,
    signal,
    stdout,
    stderr,
    truncated,
    timedOut,
    durationMs: performance.now() - started,
  };
}
