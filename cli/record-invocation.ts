// Records each finished `aios` command in memory's command history. Called by cli/parser.ts `run()`
// after the command's exit code is known. It must never fail the command, never print, and stay
// cheap: a short busy timeout, and nothing at all for --help/--version, read-only
// introspection commands (config, diff, history, search, status, info, ...) or with AIOS_NO_HISTORY=1.
// Under a test runner (VITEST set) it writes only to a memory db inside the temp dir, so a test that
// forgot to isolate HOME/AIOS_CONFIG cannot fill the real ~/.config/aios/memory.db.
import os from 'node:os';
import path from 'node:path';
import { loadCliConfig } from './cli-config.js';
import { sharedMemory } from './shared-memory.js';

export interface Invocation {
  /** The arguments after `aios` (process.argv.slice(2)). */
  argv: readonly string[];
  /** The command name (yargs' first positional): introspection commands are not recorded. */
  command?: string;
  cwd: string;
  exitCode: number;
  startedAt: number;
  durationMs: number;
  /** The global flags that locate the config (and so the memory path). */
  config?: string | undefined;
  root?: string | undefined;
}

const SKIP_FLAGS = new Set(['--help', '-h', '--version', '-v']);
// Commands that only look (at config, memory, the daemon) are not history worth keeping, and
// skipping them keeps their start-up free of SQLite (bench/startup: `config show` ≤ 2× node).
const SKIP_COMMANDS = new Set([
  'config',
  'diff',
  'history',
  'search',
  'status',
  'info',
  'completion',
  'audit',
  'doctor',
  'approvals',
]);

export function historyDisabled(env: NodeJS.ProcessEnv): boolean {
  const v = env.AIOS_NO_HISTORY;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export async function recordInvocation(inv: Invocation, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    if (historyDisabled(env)) return;
    if (inv.argv.some((a) => SKIP_FLAGS.has(a))) return;
    if (inv.command !== undefined && SKIP_COMMANDS.has(inv.command)) return;
    const { paths } = await loadCliConfig({ config: inv.config, root: inv.root }, env);
    if (env.VITEST && !isInside(paths.memoryPath, os.tmpdir())) return;
    // The connection the command itself used (apply's run record), else a new one that waits
    // briefly for another writer (the daemon) rather than stall the command's exit.
    const mem = await sharedMemory(paths.memoryPath, { busyTimeoutMs: 250 });
    mem.recordCommand({
      argv: ['aios', ...inv.argv],
      cwd: inv.cwd,
      exitCode: inv.exitCode,
      durationMs: inv.durationMs,
      ts: inv.startedAt,
      source: 'aios',
    });
  } catch {
    // History is best effort: a broken config, a read-only home or a locked db must not change the
    // outcome of the command the user ran.
  }
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
