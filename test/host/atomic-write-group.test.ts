import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { atomicWrite, syncDirAfter } from '../../src/host/atomic-write.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-atomic-group-'));
  dirs.push(d);
  return d;
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Counts fsyncs of directories (opening a directory read-only is only done to fsync it). */
function countDirSyncs(dir: string): { starts: number[] } {
  const starts: number[] = [];
  const open = fs.openSync;
  vi.spyOn(fs, 'openSync').mockImplementation((...args: Parameters<typeof open>) => {
    if (args[0] === dir && args[1] === 'r') starts.push(performance.now());
    return open(...args);
  });
  return { starts };
}

describe('atomic writes that finish together in one directory', () => {
  it('write every file completely and share the directory fsync', async () => {
    const dir = tempDir();
    const seen = countDirSyncs(dir);
    await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        atomicWrite(path.join(dir, `f${i}`), `body ${i}\n`, { mode: 0o640 }),
      ),
    );
    for (let i = 0; i < 64; i++) {
      expect(fs.readFileSync(path.join(dir, `f${i}`), 'utf8')).toBe(`body ${i}\n`);
      expect(fs.statSync(path.join(dir, `f${i}`)).mode & 0o777).toBe(0o640);
    }
    // No temp file is left behind, and far fewer directory fsyncs ran than files were written.
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(seen.starts.length).toBeGreaterThan(0);
    expect(seen.starts.length).toBeLessThan(64);
  });

  it('answer each caller only after an fsync that started after its call', async () => {
    const dir = tempDir();
    const seen = countDirSyncs(dir);
    const first = syncDirAfter(dir);
    // Arrives while the first fsync is in flight: it must wait for a second one.
    const calledAt = performance.now();
    const second = syncDirAfter(dir);
    const third = syncDirAfter(dir);
    await Promise.all([first, second, third]);
    expect(seen.starts.length).toBe(2);
    expect(seen.starts[1]).toBeGreaterThanOrEqual(calledAt);
    // Nothing in flight any more: a later caller starts its own.
    await syncDirAfter(dir);
    expect(seen.starts.length).toBe(3);
  });

  it('keeps working for a directory that cannot be synced', async () => {
    const missing = path.join(tempDir(), 'gone');
    await expect(Promise.all([syncDirAfter(missing), syncDirAfter(missing)])).resolves.toBeDefined();
    await expect(syncDirAfter(missing)).resolves.toBeUndefined();
  });
});
