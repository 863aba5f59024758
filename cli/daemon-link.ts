// How the CLI finds and talks to a running daemon. A command that can run in-process asks
// `daemonAnswers()` first and delegates when it answers (ARCHITECTURE.md §4); commands that only
// exist in a daemon (approvals) use `requireDaemon`.
import { AiosError } from '../src/errors.js';
import { callDaemon, RpcCallError } from '../src/runtime/rpc-client.js';
import { answers } from '../src/runtime/socket-guard.js';
import { loadCliConfig } from './cli-config.js';
import type { CommandArgs } from './command.js';

export async function daemonAnswers(socketPath: string): Promise<boolean> {
  if (process.env.AIOS_NO_DAEMON === '1') return false;
  return answers(socketPath, 300);
}

export type DaemonCall = (method: string, params: Record<string, unknown>) => Promise<unknown>;

export async function requireDaemon(args: CommandArgs, command: string): Promise<DaemonCall> {
  const { paths } = await loadCliConfig(args);
  const socket = paths.socketPath;
  if (!(await answers(socket, 300))) {
    throw new AiosError(
      `\`aios ${command}\` needs the daemon, and none answers on ${socket} (start \`aios-runtime\`)`,
    );
  }
  return async (method, params) => {
    try {
      return await callDaemon(socket, method, params, { timeoutMs: 30_000 });
    } catch (error) {
      if (error instanceof RpcCallError) throw new AiosError(error.message);
      throw error;
    }
  };
}
