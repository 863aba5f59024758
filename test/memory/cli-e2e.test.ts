// End to end through the built CLI: `node dist/cli/aios.js ...` with a temp config whose [memory]
// path and socket live in a temp dir (never the real ~/.config or /var/lib/aios).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openMemory } from '../../src/memory/memory-store.js';
import { SCHEMA_VERSION } from '../../src/memory/migrations.js';
import { AIOS, ensureBuilt } from './built.js';

import { tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
let dbPath: string;
let socketPath: string;

beforeAll(() => ensureBuilt(), 120_000);
beforeEach(() => {
  tmp = tempDir('aios-memory-e2e-');
  dbPath = path.join(tmp.dir, 'data', 'memory.db');
  socketPath = path.join(tmp.dir, 'aios.sock');
  const config = path.join(tmp.dir, 'config.toml');
  writeFileSync(config, `[aios]\nsocket_path = "${socketPath}"\n\n[memory]\npath = "${dbPath}"\n`);
  env = { ...process.env, AIOS_CONFIG: config, HOME: tmp.dir, XDG_CONFIG_HOME: path.join(tmp.dir, 'xdg') };
  delete env.AIOS_NO_HISTORY;
  delete env.NO_COLOR;
});
afterEach(() => tmp.cleanup());

function aios(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [AIOS, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Same as aios() but async, so an in-process fake daemon can answer meanwhile. */
function aiosAsync(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [AIOS, ...args], { env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

function commandRows(): string[] {
  const db = new Database(dbPath, { readonly: true });
  const rows = db.prepare('SELECT command FROM commands ORDER BY id').pluck().all() as string[];
  db.close();
  return rows;
}

describe('aios history', () => {
  it('records each invocation with its exit code and lists it, newest first', () => {
    expect(aios(['policy', 'check', 'ls -la /etc']).code).toBe(0);
    expect(aios(['policy', 'check', 'rm -rf /']).code).toBe(3);
    const r = aios(['history', '--json']);
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.out) as {
      kind: string;
      text: string;
      data: { exit_code: number; cwd: string };
    }[];
    expect(entries.map((e) => e.text)).toEqual([
      "aios policy check 'rm -rf /'  (exit 3)",
      "aios policy check 'ls -la /etc'  (exit 0)",
    ]);
    expect(entries[1]?.data.cwd).toBe(process.cwd());
    const human = aios(['history', '--limit', '1']);
    expect(human.out.trim().split('\n')).toHaveLength(1);
    expect(human.out).toContain('rm -rf /');
  });

  it('does not record --help, read-only introspection, nor anything with AIOS_NO_HISTORY=1', () => {
    expect(aios(['policy', '--help']).code).toBe(0);
    expect(aios(['policy', 'check', 'ls'], { AIOS_NO_HISTORY: '1' }).code).toBe(0);
    expect(aios(['info']).code).toBe(0);
    expect(aios(['search', 'x']).code).toBe(0);
    expect(aios(['history']).code).toBe(0);
    expect(aios(['config', 'show']).code).toBe(0);
    // diff only looks too (decision 004): whatever it exits with, no row.
    aios(['diff']);
    expect(commandRows()).toEqual([]);
  });

  it('redacts secrets typed on the command line before they reach the file', () => {
    const secret = 'sk-proj-E2EPLANTED00000000000000';
    expect(aios(['policy', 'check', `OPENAI_API_KEY=${secret} env`]).code).toBe(0);
    expect(commandRows()).toEqual(["aios policy check 'OPENAI_API_KEY=[REDACTED] env'"]);
    for (const f of [dbPath, `${dbPath}-wal`]) {
      try {
        expect(readFileSync(f).toString('latin1')).not.toContain(secret);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  });

  it('still succeeds when the memory path cannot be written (history is best effort)', () => {
    const blocker = path.join(tmp.dir, 'file-not-dir');
    writeFileSync(blocker, 'x');
    const config = path.join(tmp.dir, 'bad.toml');
    writeFileSync(config, `[memory]\npath = "${blocker}/memory.db"\n`);
    const r = aios(['policy', 'check', 'ls'], { AIOS_CONFIG: config });
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
  });
});

describe('aios search', () => {
  beforeEach(() => {
    const mem = openMemory(dbPath);
    mem.recordCommand({ argv: ['apt-get', 'install', 'nginx'] });
    mem.recordEvent({ resourceId: 'service:nginx', status: 'drift', label: 'external', message: 'stopped' });
    mem.close();
  });

  it('prints snippets and says it is full-text only', () => {
    const r = aios(['search', 'nginx']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('semantic search off: no [llm] embedding_model; full-text only\n');
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(r.out).toContain('apt-get install [nginx]');
    expect(r.out).toMatch(/event#2 +fts +service:\[nginx\] drift external/);
  });

  it('returns JSON hits with kind, id, time, snippet and score', () => {
    const r = aios(['search', 'drift', '--json']);
    const body = JSON.parse(r.out) as {
      mode: string;
      hits: { kind: string; id: number; snippet: string; score: number }[];
    };
    expect(body.mode).toBe('fulltext');
    expect(body.hits).toEqual([
      {
        kind: 'event',
        id: 2,
        ts: expect.any(String),
        snippet: expect.stringContaining('[drift]'),
        score: expect.any(Number),
        source: 'fts',
        ftsRank: 1,
      },
    ]);
  });

  it('takes FTS syntax as plain text without an error', () => {
    for (const q of ['"', '*', 'AND', '-', 'NEAR(a b)', '"unclosed', 'a OR']) {
      const r = aios(['search', q]);
      expect(r.code, q).toBe(0);
      expect(r.err, q).toBe('semantic search off: no [llm] embedding_model; full-text only\n');
    }
  });
});

describe('aios audit verify', () => {
  it('exits 0 on an intact chain and 1 naming the first broken seq after a hand edit', () => {
    const mem = openMemory(dbPath);
    for (let i = 0; i < 5; i++) mem.appendAudit('apply', { i });
    mem.close();
    const ok = aios(['audit', 'verify']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/audit log OK: 5 rows verified; head #5 [0-9a-f]{64}/);

    const db = new Database(dbPath);
    db.exec('DROP TRIGGER audit_log_no_update; UPDATE audit_log SET payload = \'{"i":99}\' WHERE seq = 3;');
    db.close();
    const bad = aios(['audit', 'verify']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('audit log BROKEN at seq 3');
    const json = JSON.parse(aios(['audit', 'verify', '--json']).out) as {
      ok: boolean;
      firstBrokenSeq: number;
    };
    expect(json).toMatchObject({ ok: false, firstBrokenSeq: 3 });
  });
});

describe('aios info', () => {
  it('reports OS from --root, config, memory rows and size, and no daemon', () => {
    const root = path.join(tmp.dir, 'rootfs');
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    writeFileSync(
      path.join(root, 'etc/os-release'),
      'NAME="Test"\nPRETTY_NAME="TestOS 7 (sandbox)"\nID=testos\nVERSION_ID="7"\n',
    );
    const mem = openMemory(dbPath);
    mem.recordToolCall({ tool: 'stat', args: { path: '/' } });
    mem.close();

    const r = aios(['info', '--json', '--root', root]);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect(info.os).toMatchObject({ name: 'TestOS 7 (sandbox)', id: 'testos', version: '7' });
    expect(info.config.files).toEqual([env.AIOS_CONFIG]);
    expect(info.memory).toMatchObject({ path: dbPath, exists: true, schemaVersion: SCHEMA_VERSION });
    expect(info.memory.rows).toMatchObject({ tool_calls: 1, commands: 0, audit_log: 0 });
    expect(info.memory.sizeBytes).toBeGreaterThan(0);
    expect(info.daemon).toMatchObject({ socket: socketPath, state: 'not running' });
    expect(info.hostname).toBeTruthy();
    expect(info.kernel).toMatch(/^Linux /);

    const human = aios(['info', '--root', root]);
    expect(human.out).toMatch(/^os +TestOS 7 \(sandbox\)/m);
    expect(human.out).toMatch(/^daemon +.*: not running/m);
    expect(human.out).toContain('tool_calls 1');
  });

  it('says the memory is not created yet instead of creating it', () => {
    const r = aios(['info', '--json'], { AIOS_NO_HISTORY: '1' });
    expect(JSON.parse(r.out).memory).toEqual({ path: dbPath, exists: false });
  });

  it('sees a daemon that answers ping, and one that does not answer in 300 ms', async () => {
    const server = net.createServer((socket) => {
      socket.setEncoding('utf8');
      socket.on('data', (line: string) => {
        const req = JSON.parse(line) as { id: number; method: string };
        if (req.method === 'ping')
          socket.write(`${JSON.stringify({ jsonrpc: '2.0', id: req.id, result: 'pong' })}\n`);
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const r = await aiosAsync(['info', '--json']);
      expect(JSON.parse(r.out).daemon).toMatchObject({ state: 'running', latencyMs: expect.any(Number) });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }

    const silent = net.createServer(() => {
      // accepts and never answers
    });
    await new Promise<void>((resolve) => silent.listen(socketPath, resolve));
    try {
      const started = Date.now();
      const r = await aiosAsync(['info', '--json']);
      expect(JSON.parse(r.out).daemon).toMatchObject({ state: 'not answering' });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });
});

describe('history under a test runner', () => {
  it('is not written outside the temp dir while VITEST is set', () => {
    // The child's os.tmpdir() is a fresh dir of its own, so a memory path beside it is "outside the
    // temp dir" wherever the checkout lives (CI may clone under /tmp): the guard must skip it.
    const childTmp = path.join(tmp.dir, 'child-tmp');
    mkdirSync(childTmp);
    const outside = path.join(tmp.dir, 'outside', 'memory.db');
    const config = path.join(tmp.dir, 'outside.toml');
    writeFileSync(config, `[memory]\npath = "${outside}"\n`);
    const r = aios(['policy', 'check', 'ls'], { AIOS_CONFIG: config, VITEST: 'true', TMPDIR: childTmp });
    expect(r.code).toBe(0);
    expect(existsSync(path.dirname(outside))).toBe(false);
    // and without the test runner's marker the same command does record there
    const env2 = { AIOS_CONFIG: config, TMPDIR: childTmp, VITEST: '' };
    expect(aios(['policy', 'check', 'ls'], env2).code).toBe(0);
    expect(existsSync(outside)).toBe(true);
  });
});
