import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnRunner } from '../../src/host/process-runner.js';
import { IndexDb } from '../../src/recovery/index-db.js';
import { encodeManifest, type ManifestEntry } from '../../src/recovery/manifest.js';
import { ObjectStore } from '../../src/recovery/object-store.js';
import { type Sandbox, sandbox } from './fixtures.js';

let sb: Sandbox;
afterEach(() => sb?.cleanup());

/** Add a snapshot whose manifest was written by someone else (a tampered or hostile store). */
async function plantSnapshot(sb: Sandbox, id: string, entries: Partial<ManifestEntry>[]): Promise<void> {
  const index = new IndexDb(path.join(sb.storeDir, 'index.db'));
  const objects = new ObjectStore(sb.storeDir, index.db, spawnRunner);
  objects.init();
  const full = entries.map((e) => ({
    type: 'file' as const,
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtimeMs: 0,
    size: 5,
    ino: 1,
    dev: 1,
    ctimeMs: 0,
    nlink: 1,
    hash: objects.putBuffer(Buffer.from('pwned')),
    ...e,
  }));
  const manifest = objects.putBuffer(encodeManifest({ version: 1, entries: full as ManifestEntry[] }));
  await objects.flush();
  objects.commitPending();
  index.insert({
    id,
    time: new Date().toISOString(),
    timeMs: Date.now(),
    startedMs: Date.now(),
    kind: 'manual',
    description: '',
    trigger: '',
    root: sb.root,
    files: full.length,
    changed: 0,
    bytes: 0,
    newBytes: 0,
    pinned: true,
    manifest,
    meta: {
      root: sb.root,
      paths: ['/etc'],
      outsidePaths: [],
      units: [],
      databases: [],
      users: {},
      groups: {},
      skipped: [],
    },
  });
  objects.close();
  index.close();
}

describe('restore refuses paths that escape the root', () => {
  it('refuses a manifest with .. in a path and writes nothing', async () => {
    sb = sandbox();
    const store = sb.open();
    await store.snapshot({ kind: 'manual' });
    await plantSnapshot(sb, 'evil-dotdot', [{ path: '/etc/../../escaped' }]);
    await expect(store.restore('evil-dotdot')).rejects.toThrow(/refused/);
    expect(fs.existsSync(path.join(sb.dir, 'escaped'))).toBe(false);
    expect(store.pendingRestore()).toBeUndefined();
    store.close();
  });

  it('refuses a manifest with entries below a symlink (a link to / then /etc/link/x)', async () => {
    sb = sandbox();
    const store = sb.open();
    await store.snapshot({ kind: 'manual' });
    await plantSnapshot(sb, 'evil-link', [
      { path: '/etc/link', type: 'symlink', target: sb.dir, size: 0 },
      { path: '/etc/link/pwned' },
    ]);
    await expect(store.restore('evil-link')).rejects.toThrow(/below a symlink/);
    expect(fs.existsSync(path.join(sb.dir, 'pwned'))).toBe(false);
    store.close();
  });

  it('refuses to write through a live directory that was swapped for a symlink', async () => {
    sb = sandbox();
    sb.write('/etc/app/conf', 'good');
    const outside = path.join(sb.dir, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'conf'), 'victim');
    const store = sb.open();
    const snap = await store.snapshot({ kind: 'manual' });
    fs.rmSync(sb.r('/etc/app'), { recursive: true });
    fs.symlinkSync(outside, sb.r('/etc/app'));
    await expect(store.restorePaths(snap.id, ['/etc/app/conf'])).rejects.toThrow(/symlinked directory/);
    expect(fs.readFileSync(path.join(outside, 'conf'), 'utf8')).toBe('victim');
    // A full restore replaces the symlink with the directory instead of following it.
    await store.restore(snap.id);
    expect(fs.lstatSync(sb.r('/etc/app')).isDirectory()).toBe(true);
    expect(fs.readFileSync(sb.r('/etc/app/conf'), 'utf8')).toBe('good');
    expect(fs.readFileSync(path.join(outside, 'conf'), 'utf8')).toBe('victim');
    store.close();
  });

  it('verify reports a corrupted object and restore refuses to use it', async () => {
    sb = sandbox();
    sb.write('/etc/motd', 'original');
    const store = sb.open();
    const snap = await store.snapshot({ kind: 'manual' });
    expect((await store.verify()).problems).toEqual([]);
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update('original').digest('hex');
    // Flip one byte of the object inside its pack file.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(sb.storeDir, 'index.db'), { readonly: true });
    const loc = db.prepare('SELECT pack, offset FROM objects WHERE hash = ?').get(hash) as {
      pack: string;
      offset: number;
    };
    db.close();
    const packFile = path.join(sb.storeDir, 'packs', loc.pack);
    fs.chmodSync(packFile, 0o600);
    const fd = fs.openSync(packFile, 'r+');
    fs.writeSync(fd, Buffer.from('X'), 0, 1, loc.offset);
    fs.closeSync(fd);
    const report = await store.verify(snap.id);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatch(/\/etc\/motd.*corrupt/);
    sb.write('/etc/motd', 'changed');
    await expect(store.restore(snap.id)).rejects.toThrow(/corrupt/);
    expect(fs.readFileSync(sb.r('/etc/motd'), 'utf8')).toBe('changed');
    store.close();
  });
});
