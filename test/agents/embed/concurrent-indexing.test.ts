// The daemon and a CLI search may index the same memory.db at once: both finish without an error,
// every row gets exactly one vector, and what one stored the other skips.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openMemory } from '../../../src/memory/memory-store.js';
import { ensureBuilt } from '../../memory/built.js';
import { tempDir } from '../../memory/helpers.js';

const INDEXER = path.join(import.meta.dirname, 'fixtures/concurrent-indexer.mjs');
let tmp: ReturnType<typeof tempDir>;

beforeAll(() => ensureBuilt(), 120_000);
beforeEach(() => {
  tmp = tempDir('aios-concurrent-index-');
});
afterEach(() => tmp.cleanup());

function indexer(file: string, batch: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [INDEXER, file, String(batch)]);
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

describe('two processes indexing one memory.db at once', () => {
  it('both succeed and every row ends with exactly one vector', async () => {
    const file = path.join(tmp.dir, 'memory.db');
    const mem = openMemory(file);
    mem.transaction(() => {
      for (let i = 0; i < 400; i++)
        mem.recordCommand({ argv: ['echo', `row${i}`, i % 2 ? 'nginx' : 'disk'] });
    });
    mem.close();

    const [a, b] = await Promise.all([indexer(file, 16), indexer(file, 24)]);
    expect(a.code, a.out).toBe(0);
    expect(b.code, b.out).toBe(0);
    const ra = JSON.parse(a.out) as { embedded: number; pending: number };
    const rb = JSON.parse(b.out) as { embedded: number; pending: number };
    expect(ra.embedded + rb.embedded).toBe(400);

    const check = openMemory(file);
    try {
      expect(check.vectorStatus('shared-model')).toMatchObject({ vectors: 400, pending: 0 });
      expect(check.db.prepare('SELECT count(*) FROM memory_vec').pluck().get()).toBe(400);
      expect(check.db.prepare('SELECT count(*) FROM vector_keys WHERE embedded = 1').pluck().get()).toBe(400);
    } finally {
      check.close();
    }
  });
});
