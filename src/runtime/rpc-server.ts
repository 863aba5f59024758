// The daemon's JSON-RPC server on a Unix socket: line framing with a size cap, a deadline for
// incomplete lines (slow-loris), peer uid checks, concurrent requests per connection. Method
// handlers may stream progress as notifications before their result. It never crashes on input.
import net from 'node:net';
import { AiosError } from '../errors.js';
import {
  errorResponse,
  frame,
  notification,
  parseFrame,
  RPC_ERROR,
  type RpcResponse,
  resultResponse,
} from './json-rpc.js';
import { type PeerCredentials, peerCredentials } from './peer-credentials.js';
import { listenPrivately } from './socket-guard.js';

export interface RpcCallContext {
  /** Send a progress notification to the caller before the result. */
  notify(method: string, params?: unknown): void;
  peer: PeerCredentials | undefined;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
}

export type RpcHandler = (params: Record<string, unknown>, ctx: RpcCallContext) => Promise<unknown>;

/** An error a handler throws on purpose: its code, message and data reach the client. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export interface RpcServerOptions {
  socketPath: string;
  methods: Record<string, RpcHandler>;
  /** Largest accepted line; a longer one gets an error and the connection is closed. */
  maxFrameBytes?: number;
  /** How long an incomplete line may sit before the connection is closed. */
  partialFrameTimeoutMs?: number;
  /** How long a connection may stay silent between requests. */
  idleTimeoutMs?: number;
  /** Peers allowed by uid; default: root and the daemon's own uid. */
  allowUid?: (uid: number) => boolean;
  /** Map an unexpected handler error to a message (logging is the caller's). */
  onError?: (method: string, error: unknown) => void;
  maxConnections?: number;
}

export interface RpcServer {
  close(): Promise<void>;
  connections(): number;
}

export async function startRpcServer(options: RpcServerOptions): Promise<RpcServer> {
  const maxFrame = options.maxFrameBytes ?? 1024 * 1024;
  const partialTimeout = options.partialFrameTimeoutMs ?? 10_000;
  const idleTimeout = options.idleTimeoutMs ?? 10 * 60_000;
  const myUid = process.getuid?.() ?? 0;
  const allowUid = options.allowUid ?? ((uid: number) => uid === 0 || uid === myUid);
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    const abort = new AbortController();
    const peer = peerCredentials(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      abort.abort();
    });
    socket.on('error', () => socket.destroy());
    const send = (text: string) => {
      if (!socket.destroyed && socket.writable) socket.write(text);
    };
    if (peer && !allowUid(peer.uid)) {
      send(frame(errorResponse(null, RPC_ERROR.unauthorized, `uid ${peer.uid} may not use this daemon`)));
      socket.end();
      return;
    }
    let buffer = '';
    let partialTimer: NodeJS.Timeout | undefined;
    socket.setTimeout(idleTimeout, () => socket.destroy());
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl !== -1) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line.length > maxFrame) {
          tooLarge();
          return;
        }
        if (line) void handleLine(line);
        nl = buffer.indexOf('\n');
      }
      if (Buffer.byteLength(buffer) > maxFrame) {
        tooLarge();
        return;
      }
      if (partialTimer) clearTimeout(partialTimer);
      partialTimer = buffer.length > 0 ? setTimeout(() => socket.destroy(), partialTimeout) : undefined;
    });
    socket.on('close', () => {
      if (partialTimer) clearTimeout(partialTimer);
    });

    function tooLarge(): void {
      send(frame(errorResponse(null, RPC_ERROR.invalidRequest, `frame larger than ${maxFrame} bytes`)));
      buffer = '';
      socket.end();
      socket.destroySoon?.();
    }

    async function handleLine(line: string): Promise<void> {
      const parsed = parseFrame(line);
      if (!parsed.ok) {
        send(frame(parsed.response));
        return;
      }
      const { request } = parsed;
      const isNotification = request.id === undefined;
      const handler = Object.hasOwn(options.methods, request.method)
        ? options.methods[request.method]
        : undefined;
      let response: RpcResponse;
      if (!handler) {
        response = errorResponse(
          request.id ?? null,
          RPC_ERROR.methodNotFound,
          `method not found: ${request.method}`,
        );
      } else {
        try {
          const params = (request.params ?? {}) as Record<string, unknown>;
          const result = await handler(params, {
            notify: (method, p) => send(frame(notification(method, p))),
            peer,
            signal: abort.signal,
          });
          response = resultResponse(request.id ?? null, result);
        } catch (error) {
          response = toErrorResponse(request.id ?? null, error);
          if (!(error instanceof RpcError) && !(error instanceof AiosError))
            options.onError?.(request.method, error);
        }
      }
      if (!isNotification) send(frame(response));
    }
  });
  server.maxConnections = options.maxConnections ?? 256;
  await listenPrivately(server, options.socketPath);

  return {
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.end();
        const force = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 2000);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

function toErrorResponse(id: string | number | null, error: unknown): RpcResponse {
  if (error instanceof RpcError) return errorResponse(id, error.code, error.message, error.data);
  if (error instanceof AiosError)
    return errorResponse(id, RPC_ERROR.application, error.message, { type: error.name });
  const message = error instanceof Error ? error.message : String(error);
  return errorResponse(id, RPC_ERROR.internal, `internal error: ${message}`);
}
