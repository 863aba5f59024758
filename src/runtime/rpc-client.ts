// Client side of the daemon protocol, used by the CLI to delegate. One connection per call;
// notifications before the result are passed to `onNotification` (progress).
import net from 'node:net';
import { frame, type RpcErrorObject, type RpcNotification, type RpcResponse } from './json-rpc.js';

export class RpcCallError extends Error {
  constructor(readonly error: RpcErrorObject) {
    super(error.message);
  }
}

export interface CallOptions {
  timeoutMs?: number;
  onNotification?: (n: RpcNotification) => void;
}

let nextId = 1;

export function callDaemon(
  socketPath: string,
  method: string,
  params: unknown = {},
  options: CallOptions = {},
): Promise<unknown> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let buffer = '';
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      fn();
    };
    if (options.timeoutMs !== undefined) {
      socket.setTimeout(options.timeoutMs, () =>
        finish(() => reject(new Error(`daemon did not answer ${method} in time`))),
      );
    }
    socket.setEncoding('utf8');
    socket.once('error', (e) => finish(() => reject(e)));
    socket.once('connect', () =>
      socket.write(frame({ jsonrpc: '2.0', id, method, params: params as object })),
    );
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        let msg: RpcResponse | RpcNotification;
        try {
          msg = JSON.parse(line) as RpcResponse | RpcNotification;
        } catch {
          continue;
        }
        if ('id' in msg && msg.id === id) {
          const response = msg;
          if (response.error) finish(() => reject(new RpcCallError(response.error as RpcErrorObject)));
          else finish(() => resolve(response.result));
        } else if ('id' in msg && msg.id === null && msg.error) {
          const err = msg.error;
          finish(() => reject(new RpcCallError(err)));
        } else if ('method' in msg) {
          options.onNotification?.(msg);
        }
      }
    });
    socket.once('close', () => finish(() => reject(new Error('daemon closed the connection'))));
  });
}
