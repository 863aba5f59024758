import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openMemory } from '../../src/memory/memory-store.js';
import { ensureBuilt } from './built.js';
import { tempDir } from './helpers.js';

const WRITER = path.join(import.meta.dirname, 'fixtures/concurrent-writer.mjs');
const N = 3000;

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => ensureBuilt(), 120_000);
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

interface Writer {
  ready: Promise<void>;
  go: () => void;
  done: Promise<{ code: number | null; out: string }>;
}

function startWriter(file: string, tag: string): Writer {
  const child = spawn(process.execPath, [WRITER, file, tag, String(N)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let signalReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    signalReady = resolve;
  });
  child.stdout.on('data', (d) => {
    out += d;
    if (out.startsWith('ready\n')) signalReady();
  });
  child.stderr.on('data', (d) => {
    out += d;
    signalReady(); // a crash before "ready" must not hang the test
  });
  const done = new Promise<{ code: number | null; out: string }>((resolve) => {
    child.on('close', (code) => {
      signalReady();
      resolve({ code, out });
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), done };
}

describe('two processes writing one memory.db at once', () => {
  it('loses no row, never fails with SQLITE_BUSY, keeps one valid audit chain, and lets a reader search meanwhile', async () => {
    const file = path.join(tmp.dir, 'shared', 'memory.db');
    // No pre-created file: the two writers also race to create and migrate it.
    const writers = [startWriter(file, 'alpha'), startWriter(file, 'beta')];
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.go();
    // A reader in this process searches while both write: WAL readers never wait or fail.
    const reader = openMemory(file);
    let reads = 0;
    let finished = false;
    const readLoop = (async () => {
      while (!finished) {
        reader.search('cmd');
        reader.history({ limit: 5 });
        reads++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const [a, b] = await Promise.all(writers.map((w) => w.done));
    finished = true;
    await readLoop;
    reader.close();
    expect(reads).toBeGreaterThan(5);
    expect(a).toEqual({ code: 0, out: 'ready\nalpha done\n' });
    expect(b).toEqual({ code: 0, out: 'ready\nbeta done\n' });

    const mem = openMemory(file);
    const perTag = (tag: string) =>
      mem.db.prepare('SELECT count(*) FROM commands WHERE source = ?').pluck().get(tag) as number;
    expect(perTag('alpha')).toBe(N);
    expect(perTag('beta')).toBe(N);
    const auditPerWriter = Math.ceil(N / 3) + Math.ceil(N / 50);
    const toolPerWriter = Math.ceil(N / 50) * 20;
    expect(mem.counts()).toMatchObject({
      commands: 2 * N,
      tool_calls: 2 * toolPerWriter,
      audit_log: 2 * auditPerWriter,
    });
    // Every i of each writer is there exactly once.
    const distinct = mem.db.prepare('SELECT count(DISTINCT command) FROM commands').pluck().get() as number;
    expect(distinct).toBe(2 * N);
    // The writers really interleaved: both tags appear in the first half of the audit log.
    const firstHalf = mem.db
      .prepare(`SELECT DISTINCT json_extract(payload, '$.tag') FROM audit_log WHERE seq <= ?`)
      .pluck()
      .all(auditPerWriter) as string[];
    expect(firstHalf.sort()).toEqual(['alpha', 'beta']);
    expect(mem.verifyAudit()).toMatchObject({ ok: true, count: 2 * auditPerWriter });
    expect(mem.search('alpha cmd 2999')).toHaveLength(1);
    mem.close();
  }, 120_000);
});
