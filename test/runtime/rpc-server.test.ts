import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callDaemon, RpcCallError } from '../../src/runtime/rpc-client.js';
import { type RpcServer, startRpcServer } from '../../src/runtime/rpc-server.js';
import { claimSocketPath } from '../../src/runtime/socket-guard.js';

let dir: string;
let sock: string;
let server: RpcServer | undefined;

beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'aios-rpc-'));
  sock = path.join(dir, 'aios.sock');
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await fs.promises.rm(dir, { recursive: true, force: true });
});

const methods = {
  ping: async () => 'pong',
  echo: async (p: Record<string, unknown>) => p,
  progress: async (_p: Record<string, unknown>, ctx: { notify(m: string, p?: unknown): void }) => {
    for (let i = 1; i <= 3; i++) ctx.notify('progress', { step: i });
    return { done: true };
  },
  boom: async () => {
    throw new Error('kaboom');
  },
};

/** Send raw bytes, collect every line the server sends until it closes or `ms` pass. */
function raw(data: string, ms = 300): Promise<{ lines: string[]; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(sock);
    let buf = '';
    let closed = false;
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      buf += c;
    });
    s.on('close', () => {
      closed = true;
    });
    s.on('error', () => {});
    s.on('connect', () => s.write(data));
    setTimeout(() => {
      s.destroy();
      resolve({ lines: buf.split('\n').filter(Boolean), closed });
    }, ms);
  });
}

describe('rpc server', () => {
  it('answers a call and streams notifications before the result', async () => {
    server = await startRpcServer({ socketPath: sock, methods });
    expect(await callDaemon(sock, 'ping')).toBe('pong');
    const seen: unknown[] = [];
    const result = await callDaemon(sock, 'progress', {}, { onNotification: (n) => seen.push(n.params) });
    expect(result).toEqual({ done: true });
    expect(seen).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
  });

  it('creates the socket with mode 0600 for a user daemon, 0660 or 0600 for root', async () => {
    server = await startRpcServer({ socketPath: sock, methods });
    const mode = fs.statSync(sock).mode & 0o777;
    expect([0o600, 0o660]).toContain(mode);
    if (process.getuid?.() !== 0) expect(mode).toBe(0o600);
  });

  it('turns malformed frames into JSON-RPC errors and keeps serving', async () => {
    server = await startRpcServer({ socketPath: sock, methods });
    const { lines } = await raw(
      'not json\n{"jsonrpc":"2.0"}\n[1,2]\n{"jsonrpc":"2.0","id":7,"method":"nope"}\n',
    );
    const codes = lines.map((l) => (JSON.parse(l) as { error: { code: number } }).error.code);
    expect(codes).toEqual([-32700, -32600, -32600, -32601]);
    expect(await callDaemon(sock, 'ping')).toBe('pong');
  });

  it('reports a failing handler as an internal error, not a crash', async () => {
    server = await startRpcServer({ socketPath: sock, methods, onError: () => {} });
    await expect(callDaemon(sock, 'boom')).rejects.toBeInstanceOf(RpcCallError);
    expect(await callDaemon(sock, 'ping')).toBe('pong');
  });

  it('closes a connection that sends an oversized frame', async () => {
    server = await startRpcServer({ socketPath: sock, methods, maxFrameBytes: 1024 });
    const { lines, closed } = await raw('x'.repeat(5000));
    expect(JSON.parse(lines[0] ?? '{}').error.message).toMatch(/larger than 1024/);
    expect(closed).toBe(true);
    expect(await callDaemon(sock, 'ping')).toBe('pong');
  });

  it('closes a slow-loris connection that never finishes its line', async () => {
    server = await startRpcServer({ socketPath: sock, methods, partialFrameTimeoutMs: 100 });
    const { closed } = await raw('{"jsonrpc":"2.0","id":1,', 400);
    expect(closed).toBe(true);
  });

  it('survives thousands of random frames and still answers ping', async () => {
    server = await startRpcServer({ socketPath: sock, methods, maxFrameBytes: 4096 });
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const pieces = [
      '{',
      '}',
      '"jsonrpc"',
      ':',
      '"2.0"',
      ',',
      '"id"',
      '"method"',
      '"ping"',
      'null',
      '[',
      ']',
      '\\',
      '\u0000',
      '\n',
      '1e999',
      '"params"',
      'true',
    ];
    let payload = '';
    for (let i = 0; i < 3000; i++) {
      const n = 1 + (rnd() % 12);
      for (let j = 0; j < n; j++) payload += pieces[rnd() % pieces.length];
      payload += '\n';
    }
    await raw(payload, 500);
    expect(await callDaemon(sock, 'ping')).toBe('pong');
  });

  it('serves many clients at once', async () => {
    server = await startRpcServer({ socketPath: sock, methods });
    const calls = Array.from({ length: 50 }, (_, i) => callDaemon(sock, 'echo', { i }));
    const results = (await Promise.all(calls)) as { i: number }[];
    expect(results.map((r) => r.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('refuses peers whose uid is not allowed', async () => {
    server = await startRpcServer({ socketPath: sock, methods, allowUid: () => false });
    await expect(callDaemon(sock, 'ping')).rejects.toThrow(/may not use this daemon/);
  });
});

describe('socket path guard', () => {
  it('refuses to start when a live daemon answers on the socket', async () => {
    server = await startRpcServer({ socketPath: sock, methods });
    await expect(claimSocketPath(sock)).rejects.toThrow(/already running/);
  });

  it('removes a stale socket that it owns', async () => {
    // A daemon killed with SIGKILL leaves its socket file behind with nobody listening.
    const child = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(sock)}, () => console.log('up'))`,
    ]);
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(fs.lstatSync(sock).isSocket()).toBe(true);
    await claimSocketPath(sock);
    expect(fs.existsSync(sock)).toBe(false);
  });

  it('never replaces a regular file at the socket path', async () => {
    fs.writeFileSync(sock, 'not a socket');
    await expect(claimSocketPath(sock)).rejects.toThrow(/not a socket/);
    expect(fs.readFileSync(sock, 'utf8')).toBe('not a socket');
  });

  it('refuses a socket that another user owns', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(sock, r));
    s.close();
    // close() unlinks; recreate it and hand it to nobody (uid 65534)
    const s2 = net.createServer();
    await new Promise<void>((r) => s2.listen(sock, r));
    try {
      if (process.getuid?.() !== 0) return; // only root can chown to another user
      fs.chownSync(sock, 65534, 65534);
      await expect(claimSocketPath(sock)).rejects.toThrow(/belongs to uid 65534/);
    } finally {
      s2.close();
    }
  });

  it('refuses a world-writable socket dir without the sticky bit', async () => {
    const open = path.join(dir, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    await expect(claimSocketPath(path.join(open, 'x.sock'))).rejects.toThrow(/sticky/);
  });
});
