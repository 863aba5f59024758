import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawnRunner } from '../../src/host/process-runner.js';
import { bwrapCommand, isSecretName, probeSandbox, scrubEnv } from '../../src/host/sandbox.js';
import { executeAction } from '../../src/tools/execute.js';
import { createBuiltinRegistry, createRegistry } from '../../src/tools/registry.js';
import type { ToolContext, ToolResult } from '../../src/tools/tool.js';
import { makeTempRoot, type TempRoot } from '../tools/tool-fixture.js';

describe('sandbox command line and environment', () => {
  it('recognises secret variable names', () => {
    for (const n of [
      'OPENAI_API_KEY',
      'ANTHROPIC_BASE_URL',
      'AWS_REGION',
      'GITHUB_TOKEN',
      'db_password',
      'MY_SECRET',
      'SSH_KEY_PATH',
    ]) {
      expect(isSecretName(n)).toBe(true);
    }
    for (const n of ['PATH', 'HOME', 'LANG', 'TERM', 'AIOS_ROOT']) expect(isSecretName(n)).toBe(false);
  });

  it('drops secrets and keeps the rest of the environment', () => {
    expect(scrubEnv({ PATH: '/bin', OPENAI_API_KEY: 'sk-1', HOME: '/root', X_TOKEN: 't' })).toEqual({
      PATH: '/bin',
      HOME: '/root',
    });
  });

  it('keeps the network only when asked and never binds / writable', () => {
    const off = bwrapCommand(['true'], { cwd: '/srv/w', writable: ['/var/x', '/'], network: false });
    expect(off).toContain('--unshare-all');
    expect(off).not.toContain('--share-net');
    expect(off.join(' ')).toContain('--bind /srv/w /srv/w');
    expect(off.join(' ')).toContain('--bind-try /var/x /var/x');
    expect(off.join(' ')).not.toMatch(/--bind(-try)? \/ \//);
    expect(off.slice(-2)).toEqual(['--', 'true']);
    expect(bwrapCommand(['true'], { cwd: '/', writable: [], network: true })).toContain('--share-net');
    expect(bwrapCommand(['true'], { cwd: '/', writable: [], network: true }).join(' ')).not.toContain(
      '--bind / /',
    );
  });
});

const status = await probeSandbox(spawnRunner);
if (!status.available) console.log(`SKIPPED real sandbox tests: ${status.reason}`);

describe.skipIf(!status.available)('sandbox with real bubblewrap', () => {
  let t: TempRoot;
  let server: net.Server;
  let port = 0;
  const registry = createBuiltinRegistry();
  const run = (
    tool: string,
    args: Record<string, unknown>,
    ctx: Partial<ToolContext> = {},
  ): Promise<ToolResult> =>
    executeAction(registry, { tool, args, reason: 'test' }, { ...t.ctx, sandbox: true, ...ctx });

  beforeAll(async () => {
    server = net.createServer((s) => s.end('hello\n'));
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((res) => server.close(() => res())));
  beforeEach(() => {
    t = makeTempRoot();
    fs.mkdirSync(t.real('work'));
  });
  afterEach(() => t.cleanup());

  it('makes / read-only inside', async () => {
    const probe = `/aios-sandbox-probe-${randomBytes(4).toString('hex')}`;
    try {
      const r = await run('bash', { command: `touch ${probe}` });
      expect(r.ok).toBe(false);
      expect(r.stderr).toContain('Read-only file system');
      expect(fs.existsSync(probe)).toBe(false);
    } finally {
      fs.rmSync(probe, { force: true }); // only if the sandbox failed us
    }
  });

  it('lets the command write the session working directory and the declared paths, nothing else', async () => {
    fs.mkdirSync(t.real('declared'));
    fs.mkdirSync(t.real('other'));
    const ctx = { cwd: '/work', writablePaths: ['/declared'] };
    expect(await run('bash', { command: 'echo a > here' }, ctx)).toMatchObject({ ok: true });
    expect(await run('bash', { command: 'echo b > "$AIOS_ROOT/declared/x"' }, ctx)).toMatchObject({
      ok: true,
    });
    const other = await run('bash', { command: 'echo c > "$AIOS_ROOT/other/y"' }, ctx);
    expect(other.ok).toBe(false);
    expect(other.stderr).toContain('Read-only file system');
    expect(fs.readFileSync(t.real('work/here'), 'utf8')).toBe('a\n');
    expect(fs.readFileSync(t.real('declared/x'), 'utf8')).toBe('b\n');
    expect(fs.existsSync(t.real('other/y'))).toBe(false);
  });

  it("does not open a directory for writing just because the tool's arguments name it as cwd", async () => {
    fs.mkdirSync(t.real('other'));
    const r = await run('bash', { command: 'pwd && echo c > y', cwd: '/other' }, { cwd: '/work' });
    expect(r.ok).toBe(false);
    expect(r.output).toBe(`${t.real('other')}\n`);
    expect(fs.existsSync(t.real('other/y'))).toBe(false);
  });

  it('resolves a declared writable path inside the root, so a link in the root cannot open a machine dir', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-outside-'));
    try {
      fs.symlinkSync(outside, t.real('declared'));
      const r = await run(
        'bash',
        { command: 'echo x > "$AIOS_ROOT/declared/f"' },
        { cwd: '/work', writablePaths: ['/declared'] },
      );
      expect(r.ok).toBe(false);
      expect(fs.existsSync(path.join(outside, 'f'))).toBe(false);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('keeps the managed root read-only when it is the working directory (the default)', async () => {
    const r = await run('bash', { command: 'echo x > etc/from-bash' });
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain('Read-only file system');
    expect(fs.existsSync(t.real('etc/from-bash'))).toBe(false);
  });

  it('keeps the managed root readable although it lives under /tmp', async () => {
    const r = await run('bash', { command: 'head -1 "$AIOS_ROOT/etc/passwd"', cwd: '/work' });
    expect(r).toMatchObject({ ok: true, output: 'root:x:0:0:root:/root:/bin/bash\n' });
  });

  it("runs write_file's validate command sandboxed, seeing the temp file", async () => {
    const ok = await run('write_file', { path: '/etc/v', content: 'good\n', validate: 'grep -q good %s' });
    expect(ok).toMatchObject({ ok: true, changed: true });
    const bad = await run('write_file', {
      path: '/etc/v',
      content: 'bad\n',
      validate: 'grep -q good %s && touch %s.escaped',
    });
    expect(bad.ok).toBe(false);
    expect(fs.readFileSync(t.real('etc/v'), 'utf8')).toBe('good\n');
  });

  it('gives the command a private /tmp', async () => {
    const name = `aios-private-${randomBytes(4).toString('hex')}`;
    const r = await run('bash', { command: `echo x > /tmp/${name} && ls /tmp/${name}`, cwd: '/work' });
    expect(r.ok).toBe(true);
    expect(fs.existsSync(path.join(os.tmpdir(), name))).toBe(false);
  });

  it('cuts the network: a loopback server reachable outside is unreachable inside', async () => {
    const cmd = `exec 3<>/dev/tcp/127.0.0.1/${port} && head -1 <&3`;
    const outside = await run('bash', { command: cmd }, { sandbox: false });
    expect(outside).toMatchObject({ ok: true, output: 'hello\n' });
    const inside = await run('bash', { command: cmd, cwd: '/work' });
    expect(inside.ok).toBe(false);
    expect(inside.output).not.toContain('hello');
  });

  it('keeps the network for a plugin whose effect is network', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-netplugin-'));
    try {
      const params = { type: 'object', properties: {} };
      for (const [name, effect] of [
        ['net', 'network'],
        ['nonet', 'read'],
      ] as const) {
        fs.writeFileSync(
          path.join(dir, `${name}.json`),
          JSON.stringify({ name: `${name}_tool`, description: 'connect', effect, parameters: params }),
        );
        fs.writeFileSync(
          path.join(dir, `${name}.sh`),
          `#!/bin/bash\nexec 3<>/dev/tcp/127.0.0.1/${port} && head -1 <&3\n`,
          { mode: 0o755 },
        );
      }
      const reg = await createRegistry({ pluginsDir: dir });
      const ctx = { ...t.ctx, sandbox: true, cwd: '/work' };
      expect(await executeAction(reg, { tool: 'net_tool', args: {}, reason: '' }, ctx)).toMatchObject({
        ok: true,
        output: 'hello\n',
      });
      expect((await executeAction(reg, { tool: 'nonet_tool', args: {}, reason: '' }, ctx)).ok).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scrubs secrets from the environment', async () => {
    process.env.AIOS_TEST_API_TOKEN = 'super-secret';
    try {
      const inside = await run('bash', { command: 'env', cwd: '/work' });
      expect(inside.ok).toBe(true);
      expect(inside.output).not.toContain('super-secret');
      expect(inside.output).toContain('PATH=');
      const outside = await run('bash', { command: 'env' }, { sandbox: false });
      expect(outside.output).toContain('super-secret');
    } finally {
      delete process.env.AIOS_TEST_API_TOKEN;
    }
  });

  it('drops capabilities, so root inside cannot remount / read-write', async () => {
    const r = await run('bash', {
      command: 'mount -o remount,rw / && touch /aios-remount-probe',
      cwd: '/work',
    });
    expect(r.ok).toBe(false);
    expect(fs.existsSync('/aios-remount-probe')).toBe(false);
  });

  it('still enforces the timeout inside the sandbox', async () => {
    const started = Date.now();
    const r = await run('bash', { command: 'sleep 20', timeout: 1, cwd: '/work' });
    expect(r.ok).toBe(false);
    expect(r.output).toContain('timed out');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
