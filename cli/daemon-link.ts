// How the CLI finds and talks to a running daemon. A command that can run in-process asks
// `delegateTo()` first and delegates when a daemon for the same root and specs answers
// (ARCHITECTURE.md §4); commands that only exist in a daemon (approvals) use `requireDaemon`.
import { lstatSync } from 'node:fs';
import { AiosError } from '../src/errors.js';
import { loadCliConfig } from './cli-config.js';
import type { CommandArgs } from './command.js';

export type DaemonCall = (
  method: string,
  params: Record<string, unknown>,
  onNotification?: (params: unknown) => void,
) => Promise<unknown>;

/** The socket client, imported on first use: most in-process runs never need `node:net`. */
async function rpc() {
  const [client, guard] = await Promise.all([
    import('../src/runtime/rpc-client.js'),
    import('../src/runtime/socket-guard.js'),
  ]);
  return { callDaemon: client.callDaemon, RpcCallError: client.RpcCallError, answers: guard.answers };
}

function caller(socket: string): DaemonCall {
  return async (method, params, onNotification) => {
    const { callDaemon, RpcCallError } = await rpc();
    try {
      return await callDaemon(socket, method, params, {
        ...(onNotification ? { onNotification: (n) => onNotification(n.params) } : {}),
      });
    } catch (error) {
      if (error instanceof RpcCallError) throw new AiosError(error.message);
      throw error;
    }
  };
}

/**
 * The daemon to delegate to, if one answers and manages the same tree from the same specs as this
 * command would (ARCHITECTURE.md §4). A `--root` sandbox or another specs dir runs in-process, and
 * so does everything with AIOS_NO_DAEMON=1.
 */
export async function delegateTo(
  args: CommandArgs,
  paths: { socketPath: string; root: string; specsDir: string },
): Promise<DaemonCall | undefined> {
  if (args.root !== undefined || process.env.AIOS_NO_DAEMON === '1') return undefined;
  // No socket file, no daemon: the common case decides without loading the networking modules.
  if (!lstatSync(paths.socketPath, { throwIfNoEntry: false })) return undefined;
  const { answers, callDaemon } = await rpc();
  if (!(await answers(paths.socketPath, 300))) return undefined;
  const call = caller(paths.socketPath);
  try {
    // Bounded: something that answers a ping but never a status must not hang the command.
    const status = (await callDaemon(paths.socketPath, 'status', {}, { timeoutMs: 2000 })) as {
      root?: string;
      specs_dir?: string;
    };
    if (status.root !== paths.root || status.specs_dir !== paths.specsDir) return undefined;
  } catch {
    return undefined;
  }
  return call;
}

export async function requireDaemon(args: CommandArgs, command: string): Promise<DaemonCall> {
  const { paths } = await loadCliConfig(args);
  const socket = paths.socketPath;
  const { answers } = await rpc();
  if (!(await answers(socket, 300))) {
    throw new AiosError(
      `\`aios ${command}\` needs the daemon, and none answers on ${socket} (start \`aios-runtime\`)`,
    );
  }
  return caller(socket);
}
