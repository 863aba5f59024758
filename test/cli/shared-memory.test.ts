import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { closeSharedMemory, sharedMemory } from '../../cli/shared-memory.js';

const dirs: string[] = [];
afterEach(() => {
  closeSharedMemory();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function dbFile(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-shared-mem-'));
  dirs.push(d);
  return path.join(d, 'memory.db');
}

const row = { argv: ['aios', 'apply'], cwd: '/', exitCode: 0, durationMs: 1, source: 'aios' };

describe('the per-process memory connection', () => {
  it('is opened once per file and shared', async () => {
    const file = dbFile();
    const a = await sharedMemory(file);
    expect(await sharedMemory(file)).toBe(a);
  });

  it('applies a later caller’s short busy timeout, so the history row never stalls an exit', async () => {
    const file = dbFile();
    await sharedMemory(file); // opened by the run record, with the default 5 s
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      const mem = await sharedMemory(file, { busyTimeoutMs: 250 });
      const t0 = Date.now();
      expect(() => mem.recordCommand(row)).toThrow(/locked|busy/i);
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });
});
