// Runs one command module for the CLI: global flags → Io, the command's exit code (errors mapped by
// exit-codes.ts), then the best-effort history record. Shared by the yargs table (cli/parser.ts) and
// the yargs-free fast path (cli/fast-path.ts), so both behave the same; it must not import yargs.
import type { CommandModule } from './command.js';
import { describeError, EXIT, exitCodeFor } from './exit-codes.js';
import { type GlobalArgs, processIo } from './io.js';
import { closeSharedMemory } from './shared-memory.js';

export type Loader = () => Promise<CommandModule>;

export async function runCommand(load: Loader, argv: Record<string, unknown>): Promise<void> {
  const global: GlobalArgs = {
    config: argv.config as string | undefined,
    json: Boolean(argv.json),
    root: argv.root as string | undefined,
    color: argv.color !== false,
    verbose: Boolean(argv.verbose),
  };
  const io = processIo(global.color);
  const startedAt = Date.now();
  let code: number;
  try {
    const mod = await load();
    code = await mod.default({ ...argv, ...global }, io);
  } catch (error) {
    code = exitCodeFor(error);
    if (code !== EXIT.changes) io.err(`aios: ${describeError(error, global.verbose)}`);
  }
  process.exitCode = code;
  // Command history (best effort, never throws); loaded lazily so --help never pulls in SQLite.
  try {
    const { recordInvocation } = await import('./record-invocation.js');
    await recordInvocation({
      argv: process.argv.slice(2),
      command: String((argv._ as unknown[] | undefined)?.[0] ?? ''),
      cwd: process.cwd(),
      exitCode: code,
      startedAt,
      durationMs: Date.now() - startedAt,
      config: global.config,
      root: global.root,
    });
  } catch {
    // history must never change the command's outcome
  } finally {
    closeSharedMemory();
  }
}

/** A yargs command handler that runs the lazily loaded module. */
export function cmd(load: Loader) {
  return (argv: Record<string, unknown>) => runCommand(load, argv);
}
