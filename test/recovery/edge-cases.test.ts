import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ageTree, type Sandbox, sandbox } from './fixtures.js';

let sb: Sandbox;
afterEach(() => sb?.cleanup());

/** The tree as data (type, mode, owner, contents/target), for before/after comparisons. */
function treeState(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: Buffer) => {
    for (const name of fs.readdirSync(p, { encoding: 'buffer' })) {
      const child = Buffer.concat([p, Buffer.from('/'), name]);
      const st = fs.lstatSync(child);
      const key = child.toString('latin1');
      if (st.isDirectory()) {
        out[key] = `dir ${st.mode & 0o7777} ${st.uid}:${st.gid}`;
        walk(child);
      } else if (st.isSymbolicLink()) out[key] = `link ${fs.readlinkSync(child, 'latin1')}`;
      else
        out[key] =
          `file ${st.mode & 0o7777} ${st.uid}:${st.gid} ${fs.readFileSync(child).toString('base64')}`;
    }
  };
  walk(Buffer.from(dir));
  return out;
}

describe('snapshot edge cases', () => {
  it('round-trips names with spaces, newlines and non-UTF-8 bytes', async () => {
    sb = sandbox();
    const etc = Buffer.from(sb.r('/etc'));
    const weird = [
      Buffer.from('a name with spaces'),
      Buffer.from('new\nline'),
      Buffer.from([0x6c, 0xff, 0xfe, 0x2e]),
    ];
    for (const [i, n] of weird.entries()) {
      fs.writeFileSync(Buffer.concat([etc, Buffer.from('/'), n]), `content ${i}`);
    }
    const store = sb.open();
    const snap = await store.snapshot({ kind: 'manual' });
    const before = treeState(sb.r('/etc'));
    for (const n of weird) fs.rmSync(Buffer.concat([etc, Buffer.from('/'), n]));
    await store.restore(snap.id);
    expect(treeState(sb.r('/etc'))).toEqual(before);
    expect((await store.verify()).problems).toEqual([]);
    store.close();
  });

  it('restores hard links as one inode and a 100 MB file byte for byte', async () => {
    sb = sandbox();
    sb.write('/etc/a', 'shared');
    fs.linkSync(sb.r('/etc/a'), sb.r('/etc/b'));
    const big = Buffer.alloc(100 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    fs.writeFileSync(sb.r('/etc/big.bin'), big);
    const store = sb.open();
    const snap = await store.snapshot({ kind: 'manual' });
    fs.rmSync(sb.r('/etc/a'));
    fs.rmSync(sb.r('/etc/b'));
    fs.writeFileSync(sb.r('/etc/big.bin'), 'small now');
    await store.restore(snap.id);
    expect(fs.statSync(sb.r('/etc/a')).ino).toBe(fs.statSync(sb.r('/etc/b')).ino);
    expect(fs.readFileSync(sb.r('/etc/b'), 'utf8')).toBe('shared');
    expect(fs.readFileSync(sb.r('/etc/big.bin')).equals(big)).toBe(true);
    store.close();
  });

  it('round-trips POSIX ACLs', async () => {
    sb = sandbox();
    sb.write('/etc/acl', 'x', 0o640);
    execFileSync('setfacl', ['-m', 'u:1234:r', sb.r('/etc/acl')]);
    const acl = execFileSync('getfacl', ['-c', sb.r('/etc/acl')]).toString();
    const store = sb.open();
    const snap = await store.snapshot({ kind: 'manual' });
    execFileSync('setfacl', ['-b', sb.r('/etc/acl')]);
    expect(execFileSync('getfacl', ['-c', sb.r('/etc/acl')]).toString()).not.toBe(acl);
    await store.restore(snap.id);
    expect(execFileSync('getfacl', ['-c', sb.r('/etc/acl')]).toString()).toBe(acl);
    store.close();
  });

  it('dry run plans the changes and changes nothing, not even the store', async () => {
    sb = sandbox();
    sb.write('/etc/keep', 'v1');
    const store = sb.open();
    const snap = await store.snapshot({ kind: 'manual' });
    sb.write('/etc/keep', 'v2');
    sb.write('/etc/added', 'new');
    const before = treeState(sb.root);
    const objects = treeState(path.join(sb.storeDir, 'objects'));
    const r = await store.restore(snap.id, { dryRun: true });
    expect(r.plan.map((p) => `${p.action} ${p.path}`).sort()).toEqual([
      'remove /etc/added',
      'update /etc/keep',
    ]);
    expect(treeState(sb.root)).toEqual(before);
    expect(treeState(path.join(sb.storeDir, 'objects'))).toEqual(objects);
    expect(store.list()).toHaveLength(1);
    expect(store.pendingRestore()).toBeUndefined();
    store.close();
  });

  it('keeps files the snapshot did not have with keepNew, removes them without', async () => {
    sb = sandbox();
    sb.write('/etc/base', 'b');
    const store = sb.open();
    const snap = await store.snapshot({ kind: 'manual' });
    sb.write('/etc/sub/new', 'n');
    const kept = await store.restore(snap.id, { keepNew: true });
    expect(kept.removed).toEqual([]);
    expect(fs.existsSync(sb.r('/etc/sub/new'))).toBe(true);
    const r = await store.restore(snap.id);
    expect(r.removed.sort()).toEqual(['/etc/sub', '/etc/sub/new']);
    expect(fs.existsSync(sb.r('/etc/sub'))).toBe(false);
    store.close();
  });

  it('restores only the given paths and removes a file an apply created there', async () => {
    sb = sandbox();
    sb.write('/etc/app/a.conf', 'a1');
    sb.write('/etc/other', 'o1');
    const store = sb.open();
    const snap = await store.snapshot({
      kind: 'pre-apply',
      trigger: 'run-1',
      extraPaths: ['/etc/app/b.conf'],
    });
    sb.write('/etc/app/a.conf', 'a2');
    sb.write('/etc/app/b.conf', 'created by apply');
    sb.write('/etc/other', 'o2');
    const r = await store.restorePaths(snap.id, ['/etc/app/a.conf', '/etc/app/b.conf']);
    expect(r.restored).toEqual(['/etc/app/a.conf']);
    expect(r.removed).toEqual(['/etc/app/b.conf']);
    expect(fs.readFileSync(sb.r('/etc/app/a.conf'), 'utf8')).toBe('a1');
    expect(fs.existsSync(sb.r('/etc/app/b.conf'))).toBe(false);
    expect(fs.readFileSync(sb.r('/etc/other'), 'utf8')).toBe('o2');
    await expect(store.restorePaths(snap.id, ['/usr/bin/x'])).rejects.toThrow(/not in snapshot/);
    store.close();
  });

  it('a no-change snapshot is recorded, reads nothing and reuses the manifest', async () => {
    sb = sandbox();
    for (let i = 0; i < 50; i++) sb.write(`/etc/f${i}`, `file ${i}`);
    ageTree(sb.r('/etc'));
    const store = sb.open();
    const first = await store.snapshot({ kind: 'scheduled' });
    const objects = store.objectHashes();
    const second = await store.snapshot({ kind: 'scheduled' });
    expect(second.id).not.toBe(first.id);
    expect(second.changed).toBe(0);
    expect(second.files).toBe(first.files);
    const after = store.objectHashes();
    expect(after.sort()).toEqual(objects.sort());
    // Same size and mtime but new contents: ctime still tells the cache the file changed.
    const st = fs.statSync(sb.r('/etc/f1'));
    fs.writeFileSync(sb.r('/etc/f1'), 'FILE 1');
    fs.utimesSync(sb.r('/etc/f1'), st.atime, st.mtime);
    const third = await store.snapshot({ kind: 'scheduled' });
    expect(third.changed).toBe(1);
    const d = await store.diff(second.id, third.id);
    expect(d.files.map((f) => [f.path, f.details])).toEqual([['/etc/f1', ['content']]]);
    store.close();
  });

  it('re-reads a file changed within the timestamp granularity of the last snapshot (racy rule)', async () => {
    sb = sandbox();
    sb.write('/etc/racy', 'aaaa');
    const store = sb.open();
    await store.snapshot({ kind: 'scheduled' });
    // Same size, same mtime as recorded, and (on a coarse clock) possibly the same ctime:
    // only the racy rule forces a re-read here.
    const st = fs.statSync(sb.r('/etc/racy'));
    fs.writeFileSync(sb.r('/etc/racy'), 'bbbb');
    fs.utimesSync(sb.r('/etc/racy'), st.atime, st.mtime);
    const s2 = await store.snapshot({ kind: 'scheduled' });
    expect(s2.changed).toBe(1);
    store.close();
  });

  it('leaves the memory database out of a pre-apply snapshot, and keeps it in a manual one', async () => {
    sb = sandbox();
    const Database = (await import('better-sqlite3')).default;
    const memPath = path.join(sb.dir, 'memory.db');
    const db = new Database(memPath);
    db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('remembered')");
    db.close();
    const store = sb.open({ memoryPath: memPath });
    const rowOf = (id: string) =>
      (
        store as unknown as { index: { get(id: string): { meta: { databases: { hash: string }[] } } } }
      ).index.get(id);
    const pre = await store.snapshot({ kind: 'pre-apply', extraPaths: ['/etc'] });
    const manual = await store.snapshot({ kind: 'manual' });
    expect(rowOf(pre.id).meta.databases).toEqual([]);
    expect(rowOf(manual.id).meta.databases).toHaveLength(1);
    store.close();
  });

  it('captures the memory database through the online backup', async () => {
    sb = sandbox();
    const Database = (await import('better-sqlite3')).default;
    const memPath = path.join(sb.dir, 'memory.db');
    const db = new Database(memPath);
    db.pragma('journal_mode = WAL');
    db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('remembered')");
    const store = sb.open({ memoryPath: memPath });
    const snap = await store.snapshot({ kind: 'manual' });
    db.close();
    const row = (
      store as unknown as { index: { get(id: string): { meta: { databases: { hash: string }[] } } } }
    ).index.get(snap.id);
    const hash = row.meta.databases[0]?.hash as string;
    const copyFile = path.join(sb.dir, 'copy.db');
    fs.writeFileSync(copyFile, store.readObject(hash));
    const copy = new Database(copyFile, { readonly: true });
    expect(copy.prepare('SELECT v FROM t').get()).toEqual({ v: 'remembered' });
    copy.close();
    store.close();
  });

  it('skips excluded globs and the store itself when it lives inside a captured path', async () => {
    sb = sandbox();
    sb.write('/etc/keep.conf', 'k');
    sb.write('/etc/swap.swp', 's');
    sb.write('/etc/ssl/private/key.pem', 'secret');
    const store = sb.open({ exclude: ['*.swp', '/etc/ssl/private/**'], storeDir: sb.r('/etc/aios-store') });
    const snap = await store.snapshot({ kind: 'manual' });
    const d = await store.diff(snap.id);
    expect(d.files).toEqual([]);
    const names = (await store.restore(snap.id, { dryRun: true })).plan;
    expect(names).toEqual([]);
    expect(snap.files).toBe(3); // /etc, keep.conf, ssl (ssl/private/** excludes the dir too)
    store.close();
  });
});

describe('restore removals', () => {
  it('never deletes uncaptured (excluded) files: their directory is kept and reported', async () => {
    sb = sandbox();
    sb.write('/etc/base', 'b');
    const store = sb.open({ exclude: ['*.swp'] });
    const snap = await store.snapshot({ kind: 'manual' });
    sb.write('/etc/newdir/captured', 'c');
    sb.write('/etc/newdir/editor.swp', 'unsaved work');
    const r = await store.restore(snap.id);
    expect(r.problems).toEqual(['kept non-empty directories holding uncaptured files: /etc/newdir']);
    expect(store.pendingRestore()).toBeUndefined();
    expect(fs.existsSync(sb.r('/etc/newdir/captured'))).toBe(false);
    expect(fs.readFileSync(sb.r('/etc/newdir/editor.swp'), 'utf8')).toBe('unsaved work');
    store.close();
  });
});

describe('a failed snapshot', () => {
  it('leaves no row, no pack and no temp file behind', async () => {
    sb = sandbox();
    sb.write('/etc/a', 'contents that get packed before the failure');
    const notADb = path.join(sb.dir, 'memory.db');
    fs.writeFileSync(notADb, 'this is not a sqlite database, so the copy fails');
    const store = sb.open({ memoryPath: notADb });
    await expect(store.snapshot({ kind: 'manual' })).rejects.toThrow();
    expect(store.list()).toEqual([]);
    expect(fs.readdirSync(path.join(sb.storeDir, 'packs'))).toEqual([]);
    expect(fs.readdirSync(path.join(sb.storeDir, 'tmp'))).toEqual([]);
    expect(store.objectHashes()).toEqual([]);
    store.close();
  });
});

describe('restore across type changes', () => {
  it('turns a directory back into a file, a file back into a directory, and a file back into a symlink', async () => {
    sb = sandbox();
    sb.write('/etc/was-file', 'plain file');
    sb.write('/etc/was-dir/inner.conf', 'inner');
    fs.symlinkSync('was-file', sb.r('/etc/was-link'));
    fs.mkdirSync(sb.r('/etc/sticky'), { mode: 0o1777 });
    fs.chmodSync(sb.r('/etc/sticky'), 0o1777);
    const store = sb.open();
    const snap = await store.snapshot({ kind: 'manual' });
    fs.rmSync(sb.r('/etc/was-file'));
    sb.write('/etc/was-file/now-a-dir', 'x');
    fs.rmSync(sb.r('/etc/was-dir'), { recursive: true });
    sb.write('/etc/was-dir', 'now a file');
    fs.rmSync(sb.r('/etc/was-link'));
    sb.write('/etc/was-link', 'now a file');
    fs.chmodSync(sb.r('/etc/sticky'), 0o755);
    const r = await store.restore(snap.id);
    expect(r.problems).toEqual([]);
    expect(fs.readFileSync(sb.r('/etc/was-file'), 'utf8')).toBe('plain file');
    expect(fs.readFileSync(sb.r('/etc/was-dir/inner.conf'), 'utf8')).toBe('inner');
    expect(fs.readlinkSync(sb.r('/etc/was-link'))).toBe('was-file');
    expect(fs.statSync(sb.r('/etc/sticky')).mode & 0o7777).toBe(0o1777);
    expect((await store.restore(snap.id, { dryRun: true })).plan).toEqual([]);
    store.close();
  });

  it('keeps a directory mtime as it was in the snapshot after restoring files inside it', async () => {
    sb = sandbox();
    sb.write('/etc/d/a', 'a');
    const old = new Date(Date.now() - 86_400_000);
    fs.utimesSync(sb.r('/etc/d'), old, old);
    const store = sb.open();
    const snap = await store.snapshot({ kind: 'manual' });
    sb.write('/etc/d/b', 'new file changes the dir mtime');
    fs.rmSync(sb.r('/etc/d/a'));
    await store.restore(snap.id);
    expect(Math.abs(fs.statSync(sb.r('/etc/d')).mtimeMs - old.getTime())).toBeLessThan(1);
    store.close();
  });

  it('restores a default ACL on a directory', async () => {
    sb = sandbox();
    fs.mkdirSync(sb.r('/etc/shared'));
    execFileSync('setfacl', ['-d', '-m', 'g:4321:rwx', sb.r('/etc/shared')]);
    const acl = execFileSync('getfacl', ['-c', sb.r('/etc/shared')]).toString();
    const store = sb.open();
    const snap = await store.snapshot({ kind: 'manual' });
    execFileSync('setfacl', ['-k', sb.r('/etc/shared')]);
    expect(execFileSync('getfacl', ['-c', sb.r('/etc/shared')]).toString()).not.toBe(acl);
    const d = await store.diff(snap.id);
    expect(d.files.map((f) => [f.path, f.details])).toEqual([
      ['/etc/shared', ['xattrs system.posix_acl_default']],
    ]);
    await store.restore(snap.id);
    expect(execFileSync('getfacl', ['-c', sb.r('/etc/shared')]).toString()).toBe(acl);
    store.close();
  });
});

describe('snapshot ids', () => {
  it('stay unique when many snapshots are taken within the same second', async () => {
    sb = sandbox();
    sb.write('/etc/one', '1');
    const store = sb.open({ retention: { maxSnapshots: 0 } });
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) ids.push((await store.snapshot({ kind: 'scheduled' })).id);
    expect(new Set(ids).size).toBe(150);
    expect(store.list()).toHaveLength(150);
    expect(store.resolve(ids[42] as string)).toBe(ids[42]);
    store.close();
  }, 60_000);
});
