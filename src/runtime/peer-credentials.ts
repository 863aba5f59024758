// The uid/gid/pid of the process on the other end of a Unix socket (SO_PEERCRED). Node has no API
// for it; koffi calls libc's getsockopt on the connection's fd (measured ≈ 0.1 ms, VERIFIED.md).
// Loaded lazily and optional: where it cannot load, callers fall back to file-mode protection.
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

type GetSockOpt = (fd: number, level: number, name: number, buf: Buffer, len: Buffer) => number;
let getsockopt: GetSockOpt | null | undefined;

function load(): GetSockOpt | null {
  if (getsockopt !== undefined) return getsockopt;
  try {
    const require = createRequire(import.meta.url);
    const koffi = require('koffi') as {
      load(lib: string): { func(sig: string): GetSockOpt };
    };
    getsockopt = koffi
      .load('libc.so.6')
      .func('int getsockopt(int, int, int, _Inout_ uint8_t *, _Inout_ uint32_t *)');
  } catch {
    getsockopt = null;
  }
  return getsockopt;
}

export function peerCredentials(socket: Socket): PeerCredentials | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0 || process.platform !== 'linux') return undefined;
  const fn = load();
  if (!fn) return undefined;
  const buf = Buffer.alloc(12);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(12);
  if (fn(fd, SOL_SOCKET, SO_PEERCRED, buf, len) !== 0) return undefined;
  return { pid: buf.readInt32LE(0), uid: buf.readUInt32LE(4), gid: buf.readUInt32LE(8) };
}
