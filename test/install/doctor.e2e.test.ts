// End to end: `aios doctor` through the built CLI on installations made by `aios init` in temp homes
// and temp roots: all ok when fresh, and a fail (exit 1, with what to fix) for each kind of damage.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonProcess } from '../runtime/daemon-harness.js';
import { aios, cleanEnv, seedRoot, tempDir } from './install-helpers.js';

interface Check {
  id: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  message: string;
  fix?: string;
  details?: string[];
}
interface Report {
  ok: boolean;
  counts: Record<string, number>;
  checks: Check[];
}

const made: string[] = [];
const daemons: DaemonProcess[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.kill();
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function userInstall(extraEnv: NodeJS.ProcessEnv = {}) {
  const home = tempDir('aios-doctor-');
  made.push(home);
  const env = cleanEnv(home, extraEnv);
  const init = aios(['init', '--user'], env);
  expect(init.code).toBe(0);
  return {
    home,
    env,
    config: path.join(home, '.config/aios/config.toml'),
    data: path.join(home, '.local/share/aios'),
    memory: path.join(home, '.config/aios/memory.db'),
    specs: path.join(home, '.config/aios/specs'),
  };
}

function doctor(
  env: NodeJS.ProcessEnv,
  args: string[] = [],
): { code: number | null; report: Report; out: string } {
  const r = aios(['doctor', '--json', ...args], env);
  return { code: r.code, report: JSON.parse(r.out) as Report, out: r.out + r.err };
}

const byId = (report: Report, id: string) => report.checks.filter((c) => c.id === id);
const failed = (report: Report) => report.checks.filter((c) => c.status === 'fail');

describe('aios doctor', () => {
  it('is all ok (no warn, no fail) on a fresh user install, and says so in text', () => {
    const u = userInstall();
    const { code, report } = doctor(u.env);
    expect(report.checks.filter((c) => c.status === 'warn' || c.status === 'fail')).toEqual([]);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    for (const id of [
      'config',
      'path:config file',
      'path:data dir',
      'socket',
      'memory',
      'snapshots',
      'policies',
      'specs',
    ]) {
      expect(byId(report, id).map((c) => c.status)).toEqual(['ok']);
    }
    const text = aios(['doctor'], u.env);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^ok {4}config loads: /m);
    expect(text.out).toMatch(/\d+ ok, 0 warn, 0 fail, \d+ skipped/);
  });

  it('is all ok on a fresh system install under --root, checking the paths inside it', () => {
    const base = tempDir('aios-doctor-sys-');
    made.push(base);
    const root = path.join(base, 'root');
    seedRoot(root);
    const env = cleanEnv(base);
    expect(aios(['init', '--system', '--root', root], env).code).toBe(0);
    const { code, report } = doctor(env, ['--root', root]);
    expect(report.checks.filter((c) => c.status === 'warn' || c.status === 'fail')).toEqual([]);
    expect(code).toBe(0);
    expect(byId(report, 'path:data dir')[0]?.message).toContain(`${root}/var/lib/aios (0750)`);
    expect(byId(report, 'socket')[0]?.message).toContain(`${root}/run/aios/aios-runtime.sock`);
    expect(byId(report, 'specs')[0]?.message).toContain(`${root}/etc/aios/specs`);
  });

  it('checks the service of a system install: unit, enable link, and which aios-runtime it starts', () => {
    const base = tempDir('aios-doctor-unit-');
    made.push(base);
    const root = path.join(base, 'root');
    seedRoot(root);
    const env = cleanEnv(base);
    expect(aios(['init', '--system', '--root', root], env).code).toBe(0);
    expect(byId(doctor(env, ['--root', root]).report, 'service')).toEqual([
      expect.objectContaining({
        status: 'ok',
        message: expect.stringContaining('aios-runtime.service installed under'),
      }),
    ]);

    const unit = path.join(root, 'etc/systemd/system/aios-runtime.service');
    fs.writeFileSync(
      unit,
      fs.readFileSync(unit, 'utf8').replace(/\S+aios-runtime\.js/, '/old/prefix/aios-runtime.js'),
    );
    fs.rmSync(path.join(root, 'etc/systemd/system/multi-user.target.wants/aios-runtime.service'));
    const stale = doctor(env, ['--root', root]);
    expect(stale.code).toBe(0);
    expect(byId(stale.report, 'service').map((c) => [c.status, c.fix])).toEqual([
      ['warn', '`aios init --system` rewrites the unit for this aios (after an upgrade or a move)'],
      ['warn', `systemctl --root=${root} enable aios-runtime.service`],
    ]);

    // doing what the fix lines say brings it back
    expect(aios(['init', '--system', '--root', root], env).code).toBe(0);
    expect(byId(doctor(env, ['--root', root]).report, 'service').map((c) => c.status)).toEqual(['ok']);

    fs.rmSync(unit);
    expect(byId(doctor(env, ['--root', root]).report, 'service')[0]).toMatchObject({ status: 'warn' });
  });

  it('fails a world-writable data dir, naming it and the chmod that fixes it', () => {
    const u = userInstall();
    fs.chmodSync(u.data, 0o777);
    const { code, report } = doctor(u.env);
    expect(code).toBe(1);
    // the data dir is also a user's socket dir: anyone could replace the socket too
    expect(failed(report)).toEqual([
      expect.objectContaining({ id: 'path:data dir', fix: `chmod o-w ${u.data}` }),
      expect.objectContaining({ id: 'socket', fix: `chmod o-w ${u.data}` }),
    ]);
    const text = aios(['doctor'], u.env);
    expect(text.out).toContain(`fail  data dir ${u.data} is world-writable (mode 0777)`);
    expect(text.out).toContain(`fix: chmod o-w ${u.data}`);
  });

  it('fails a specs dir another user owns: that user could steer what root applies', () => {
    const u = userInstall();
    fs.chownSync(u.specs, 65534, 65534);
    const { code, report } = doctor(u.env);
    expect(code).toBe(1);
    expect(failed(report)).toEqual([
      expect.objectContaining({ id: 'path:specs dir', fix: `chown root ${u.specs}` }),
    ]);
  });

  it('fails a broken config naming file and line, and skips what needs it', () => {
    const u = userInstall();
    const lines = fs.readFileSync(u.config, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.startsWith('max_steps ='));
    lines[at] = 'max_steps = "many"';
    fs.writeFileSync(u.config, lines.join('\n'));
    const { code, report } = doctor(u.env);
    expect(code).toBe(1);
    const [config] = byId(report, 'config');
    expect(config?.status).toBe('fail');
    expect(config?.message).toContain(`${u.config}:${at + 1}`);
    expect(config?.message).toContain('llm.max_steps');
    expect(byId(report, 'memory')[0]?.status).toBe('skip');
  });

  it('fails a TOML syntax error with its line', () => {
    const u = userInstall();
    fs.appendFileSync(u.config, '\n[broken\n');
    const { code, report } = doctor(u.env);
    expect(code).toBe(1);
    const lineCount = fs.readFileSync(u.config, 'utf8').split('\n').length;
    expect(byId(report, 'config')[0]?.message).toMatch(
      new RegExp(`${u.config}:${lineCount - 1}(:\\d+)?: TOML syntax error`),
    );
  });

  it('warns about an unknown config key (file:line) but still exits 0', () => {
    const u = userInstall();
    fs.appendFileSync(u.config, '\nmood = "calm"\n'); // lands in the last table, [runtime]
    const { code, report } = doctor(u.env);
    expect(code).toBe(0);
    const warn = byId(report, 'config').find((c) => c.status === 'warn');
    expect(warn?.message).toMatch(/config\.toml:\d+: .*runtime\.mood/);
  });

  it('fails a corrupted memory db and says how to recover', () => {
    const u = userInstall();
    const db = new Database(u.memory);
    db.exec('CREATE TABLE pad(x TEXT)');
    const ins = db.prepare('INSERT INTO pad VALUES (?)');
    for (let i = 0; i < 500; i++) ins.run(`row ${i} ${'x'.repeat(200)}`);
    db.close();
    const size = fs.statSync(u.memory).size;
    const fd = fs.openSync(u.memory, 'r+');
    fs.writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(size / 4096 / 2) * 4096);
    fs.closeSync(fd);
    const { code, report } = doctor(u.env);
    expect(code).toBe(1);
    const [memory] = byId(report, 'memory');
    expect(memory?.status).toBe('fail');
    expect(memory?.message).toMatch(/malformed|corrupt/);
    expect(memory?.fix).toContain('move');
  });

  it('fails a memory db that is not a database at all', () => {
    const u = userInstall();
    fs.writeFileSync(u.memory, 'this is not sqlite'.repeat(300), { mode: 0o600 });
    const { code, report } = doctor(u.env);
    expect(code).toBe(1);
    expect(byId(report, 'memory')[0]).toMatchObject({ status: 'fail' });
  });

  it('checks the audit chain: ok with rows, fail once a row is edited', async () => {
    const u = userInstall();
    const { openMemory } = await import('../../src/memory/memory-store.js');
    const mem = openMemory(u.memory);
    for (let i = 1; i <= 5; i++) mem.appendAudit('apply', { step: i });
    mem.close();
    expect(byId(doctor(u.env).report, 'audit')[0]).toMatchObject({
      status: 'ok',
      message: 'audit chain verifies (5 rows)',
    });
    const db = new Database(u.memory);
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare(`UPDATE audit_log SET payload = '{"step":99}' WHERE seq = 3`).run();
    db.close();
    const { code, report } = doctor(u.env);
    expect(code).toBe(1);
    expect(byId(report, 'audit')[0]).toMatchObject({ status: 'fail' });
    expect(byId(report, 'audit')[0]?.message).toContain('seq 3');
  });

  it('verifies the snapshot store and fails when a pack is damaged', () => {
    const u = userInstall();
    const root = path.join(u.home, 'root');
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/hosts'), '127.0.0.1 localhost\n'.repeat(50));
    const snap = aios(['snapshot', '--root', root, '-d', 'doctor test'], u.env);
    expect(snap.code).toBe(0);
    expect(byId(doctor(u.env).report, 'snapshots')[0]?.message).toMatch(/verifies: 1 snapshots/);

    const packs = path.join(u.data, 'snapshots/packs');
    for (const name of fs.readdirSync(packs)) {
      const p = path.join(packs, name);
      const buf = fs.readFileSync(p);
      for (let i = 64; i < buf.length; i += 97) buf[i] = (buf[i] ?? 0) ^ 0xff;
      fs.writeFileSync(p, buf);
    }
    const { code, report } = doctor(u.env);
    expect(code).toBe(1);
    expect(byId(report, 'snapshots')[0]).toMatchObject({ status: 'fail' });
    expect(byId(report, 'snapshots')[0]?.message).toMatch(/missing or corrupt/);
  });

  it('warns about a stale socket nobody answers on', () => {
    const u = userInstall();
    const sock = path.join(u.data, 'aios-runtime.sock');
    // a process that binds the socket and dies without cleaning up, like a kill -9 of the daemon
    spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(fs.lstatSync(sock).isSocket()).toBe(true);
    const { code, report } = doctor(u.env);
    expect(code).toBe(0);
    expect(byId(report, 'socket')[0]).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining(`rm ${sock}`),
    });
  });

  it('tells a user who may not connect to a live socket apart from a stale one', async () => {
    const home = tempDir('aios-doctor-eacces-');
    made.push(home);
    fs.chownSync(home, 65534, 65534);
    const env = cleanEnv(home);
    const asNobody = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        // async: the socket below is served by this process's event loop
        const child = spawn(process.execPath, [path.resolve('dist/cli/aios.js'), ...args], {
          uid: 65534,
          gid: 65534,
          env,
        });
        let out = '';
        child.stdout.on('data', (c) => {
          out += c;
        });
        child.on('close', (code) => resolve({ code, out }));
      });
    expect((await asNobody(['init', '--user'])).code).toBe(0);
    const sock = path.join(home, '.local/share/aios/aios-runtime.sock');
    const server = net.createServer((c) => c.end());
    await new Promise<void>((r) => server.listen(sock, r));
    try {
      fs.chmodSync(sock, 0o600); // root's, like a root daemon's socket to someone outside group aios
      const r = await asNobody(['doctor', '--json']);
      const report = JSON.parse(r.out) as Report;
      expect(byId(report, 'socket')[0]).toMatchObject({
        status: 'warn',
        fix: expect.stringContaining('usermod -aG aios'),
      });
      expect(byId(report, 'socket')[0]?.message).toContain('may not connect');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('fails when something that is not a socket sits at the socket path', () => {
    const u = userInstall();
    fs.writeFileSync(path.join(u.data, 'aios-runtime.sock'), '');
    const { code, report } = doctor(u.env);
    expect(code).toBe(1);
    expect(byId(report, 'socket')[0]?.message).toContain('is not a socket');
  });

  it('reports a running daemon that answers on the socket', async () => {
    const u = userInstall();
    fs.appendFileSync(u.config, '\n');
    const text = fs.readFileSync(u.config, 'utf8').replace(/^enabled = true/m, 'enabled = false');
    fs.writeFileSync(u.config, text);
    const d = await DaemonProcess.start(u.config, u.env);
    daemons.push(d);
    const { code, report } = doctor(u.env);
    expect(code).toBe(0);
    expect(byId(report, 'socket')[0]?.message).toContain(
      `daemon answers on ${path.join(u.data, 'aios-runtime.sock')} (pid ${d.pid})`,
    );
  });

  it('checks bubblewrap only when [security] sandbox = true, and fails when it is missing', () => {
    const u = userInstall();
    expect(byId(doctor(u.env).report, 'sandbox')[0]?.status).toBe('skip');
    fs.writeFileSync(
      u.config,
      fs.readFileSync(u.config, 'utf8').replace(/^sandbox = false/m, 'sandbox = true'),
    );
    const noBwrap = { ...u.env, PATH: '/nonexistent' };
    const { code, report } = doctor(noBwrap);
    expect(code).toBe(1);
    expect(byId(report, 'sandbox')[0]).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('bubblewrap'),
    });
    const hasBwrap = spawnSync('bwrap', ['--version']).status === 0;
    if (hasBwrap) expect(byId(doctor(u.env).report, 'sandbox')[0]?.status).toBe('ok');
  });

  it('fails specs that do not load, naming the spec file and line', () => {
    const u = userInstall();
    fs.writeFileSync(path.join(u.specs, 'bad.toml'), '[[file]]\npath = "/etc/x"\nmode = 644\n');
    const { code, report } = doctor(u.env);
    expect(code).toBe(1);
    expect(byId(report, 'specs')[0]?.message).toMatch(new RegExp(`${path.join(u.specs, 'bad.toml')}:\\d+`));
  });

  it('fails a policy file that does not load, naming it', () => {
    const u = userInstall();
    const file = path.join(u.home, '.config/aios/policies/local.toml');
    fs.writeFileSync(file, '[[rule]]\nid = "x"\nverdict = "maybe"\n');
    const { code, report } = doctor(u.env);
    expect(code).toBe(1);
    expect(byId(report, 'policies')[0]?.message).toContain(file);
  });

  it('probes a provider with a key through its models endpoint and never prints the key', async () => {
    const key = 'sk-doctor-e2e-SECRET-4242';
    let seen = '';
    const server = http.createServer((req, res) => {
      seen = `${req.url} ${req.headers.authorization}`;
      res.end('{"data":[]}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const u = userInstall({ OPENAI_API_KEY: key, OPENAI_BASE_URL: base });
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        // async spawn: the fake provider answers from this process's event loop
        const child = spawn(process.execPath, [path.resolve('dist/cli/aios.js'), 'doctor', '--json'], {
          env: u.env,
        });
        let out = '';
        child.stdout.on('data', (c) => {
          out += c;
        });
        child.stderr.on('data', (c) => {
          out += c;
        });
        child.on('close', (code) => resolve({ code, out }));
      });
      expect(seen).toBe(`/v1/models Bearer ${key}`);
      expect(r.out).not.toContain(key);
      const report = JSON.parse(r.out) as Report;
      expect(byId(report, 'provider:openai')[0]).toMatchObject({ status: 'ok' });
      expect(r.code).toBe(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
