// Contract between the yargs table (cli/aios.ts) and the lazily loaded command modules.
import type { GlobalArgs, Io } from './io.js';

export type CommandArgs = GlobalArgs & Record<string, unknown>;

/** A command module's default export: returns the exit code, throws AiosError subclasses on failure. */
export type CommandRun = (args: CommandArgs, io: Io) => Promise<number>;

export interface CommandModule {
  default: CommandRun;
}
