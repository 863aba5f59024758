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

describe('one atomic write', () => {
  it('fsyncs the new file before the rename and its directory after, in that order', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'motd');
    const fdPath = new Map<number, string>();
    const steps: string[] = [];
    const openSync = fs.openSync;
    vi.spyOn(fs, 'openSync').mockImplementation((...args: Parameters<typeof openSync>) => {
      const fd = openSync(...args);
      fdPath.set(fd, String(args[0]));
      return fd;
    });
    const fsync = fs.fsync;
    vi.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
      const p = fdPath.get(fd) ?? '?';
      steps.push(p === dir ? 'fsync dir' : p.endsWith('.tmp') ? 'fsync temp' : `fsync ${p}`);
      return fsync(fd, cb);
    }) as typeof fs.fsync);
    const renameSync = fs.renameSync;
    vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      steps.push(`rename to ${path.basename(String(to))}`);
      return renameSync(from, to);
    });
    await atomicWrite(target, 'hello\n', { mode: 0o600 });
    expect(steps).toEqual(['fsync temp', 'rename to motd', 'fsync dir']);
    expect(fs.readFileSync(target, 'utf8')).toBe('hello\n');
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
  });

  it('names its temp file the way the daemon ignores, never twice the same, and leaves none on failure', async () => {
    const dir = tempDir();
    const seen: string[] = [];
    const validate = async (tmp: string) => {
      seen.push(path.basename(tmp));
    };
    await atomicWrite(path.join(dir, 'a.conf'), 'a', { validate });
    await atomicWrite(path.join(dir, 'a.conf'), 'b', { validate });
    expect(seen).toHaveLength(2);
    for (const name of seen) expect(name).toMatch(/^\.a\.conf\.aios-[0-9a-f]+\.tmp$/);
    expect(seen[0]).not.toBe(seen[1]);
    await expect(
      atomicWrite(path.join(dir, 'a.conf'), 'c', {
        validate: async () => {
          throw new Error('nginx -t failed');
        },
      }),
    ).rejects.toThrow(/nginx -t failed/);
    expect(fs.readFileSync(path.join(dir, 'a.conf'), 'utf8')).toBe('b');
    expect(fs.readdirSync(dir)).toEqual(['a.conf']);
  });
});
