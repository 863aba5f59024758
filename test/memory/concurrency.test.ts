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

function runWriter(file: string, tag: string, start: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [WRITER, file, tag, String(N), String(start)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('two processes writing one memory.db at once', () => {
  it('loses no row, never fails with SQLITE_BUSY, and keeps one valid audit chain', async () => {
    const file = path.join(tmp.dir, 'shared', 'memory.db');
    // No pre-created file: the two writers also race to create and migrate it.
    const start = Date.now() + 700;
    const [a, b] = await Promise.all([runWriter(file, 'alpha', start), runWriter(file, 'beta', start)]);
    expect(a).toEqual({ code: 0, out: 'alpha done\n' });
    expect(b).toEqual({ code: 0, out: 'beta done\n' });

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
