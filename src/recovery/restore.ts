// Restore: a plan (pure: snapshot entries vs live entries) and its execution. Every file and symlink
// is written to a temp name in its own directory with owner, mode, mtime and xattrs set, made
// durable in one batched pass, then renamed over the target: a reader (or a kill -9) sees the old
// or the new file, never half of one. Nothing is written through a symlinked parent directory:
// every target's existing ancestors must resolve to themselves under the root. The journal that
// makes an interrupted restore resumable is the store's job (snapshot-store.ts); this module
// only names its temp files deterministically so a resume can clean them.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { HostError } from '../errors.js';
import type { ProcessRunner } from '../host/process-runner.js';
import { entryKey } from './capture.js';
import { displayPath, fsPath, type ManifestEntry, sameMtime, sameXattrs } from './manifest.js';
import type { ObjectStore } from './object-store.js';
import { applyXattrs } from './xattrs.js';

export type RestoreOpKind = 'create' | 'replace' | 'update' | 'meta' | 'remove';

export interface RestoreOp {
  kind: RestoreOpKind;
  /** Byte-string path (host path, or a real path for outside entries). */
  path: string;
  outside?: boolean;
  /** Snapshot entry (all kinds but remove). */
  entry?: ManifestEntry;
  /** Live entry (all kinds but create). */
  live?: ManifestEntry;
}

export interface RestorePlanItem {
  action: RestoreOpKind;
  path: string;
  type: string;
}

export function describePlan(ops: RestoreOp[]): RestorePlanItem[] {
  return ops.map((o) => ({
    action: o.kind,
    path: displayPath(o.path),
    type: (o.entry ?? o.live)?.type ?? 'file',
  }));
}

/** The ops that turn `live` into `target` within scope; removals only when !keepNew. */
export function planRestore(target: ManifestEntry[], live: ManifestEntry[], keepNew: boolean): RestoreOp[] {
  const liveMap = new Map(live.map((e) => [entryKey(e), e]));
  const targetKeys = new Set<string>();
  const ops: RestoreOp[] = [];
  for (const t of target) {
    const k = entryKey(t);
    targetKeys.add(k);
    const l = liveMap.get(k);
    const base = t.outside ? { path: t.path, outside: true, entry: t } : { path: t.path, entry: t };
    if (!l) ops.push({ kind: 'create', ...base });
    else if (l.type !== t.type) ops.push({ kind: 'replace', ...base, live: l });
    else if (l.hash !== t.hash || l.target !== t.target) ops.push({ kind: 'update', ...base, live: l });
    else if (
      l.mode !== t.mode ||
      l.uid !== t.uid ||
      l.gid !== t.gid ||
      !sameXattrs(l.xattrs, t.xattrs) ||
      (t.type === 'file' && !sameMtime(l.mtimeMs, t.mtimeMs))
    ) {
      ops.push({ kind: 'meta', ...base, live: l });
    }
  }
  // A live directory replaced by a file or symlink must go with its contents, even with keepNew.
  const replacedDirs = ops
    .filter((o) => o.kind === 'replace' && o.live?.type === 'dir')
    .map((o) => entryKey({ path: `${o.path}/`, outside: o.outside }));
  const underReplaced = (l: ManifestEntry) => {
    const k = entryKey(l);
    return replacedDirs.some((d) => k.startsWith(d));
  };
  if (!keepNew || replacedDirs.length > 0) {
    for (const l of live) {
      if (targetKeys.has(entryKey(l))) continue;
      if (keepNew && !underReplaced(l)) continue;
      ops.push(
        l.outside
          ? { kind: 'remove', path: l.path, outside: true, live: l }
          : { kind: 'remove', path: l.path, live: l },
      );
    }
  }
  return ops;
}

export interface ExecuteContext {
  /** Byte-string prefix turning a host path into a real one ('' for /). */
  rootPrefix: string;
  objects: ObjectStore;
  runner: ProcessRunner;
  /** Journal id: names the temp files so a resume can find and remove them. */
  journalId: string;
  /** All entries of the snapshot (dir mtimes are re-set on the ancestors of what changed). */
  snapshotEntries: ManifestEntry[];
}

export function realOf(rootPrefix: string, e: { path: string; outside?: boolean | undefined }): string {
  return e.outside ? e.path : rootPrefix + e.path;
}

/** Temp names of a plan's writes, in op order (deterministic: the journal records them). */
export function tempPaths(ctx: Pick<ExecuteContext, 'rootPrefix' | 'journalId'>, ops: RestoreOp[]): string[] {
  const out: string[] = [];
  ops.forEach((op, i) => {
    if (op.kind === 'create' || op.kind === 'replace' || op.kind === 'update') {
      if (op.entry?.type === 'dir') return;
      const real = realOf(ctx.rootPrefix, op);
      out.push(`${real.slice(0, real.lastIndexOf('/'))}/.aios-restore-${ctx.journalId}-${i}`);
    }
  });
  return out;
}

function depth(p: string): number {
  let n = 0;
  for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) === 47) n++;
  return n;
}

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** Refuses a target whose existing ancestors are not themselves (a symlinked parent dir). */
class AncestorGuard {
  private readonly ok = new Set<string>();
  private readonly rootReal: string;

  constructor(private readonly rootPrefix: string) {
    this.rootReal = rootPrefix === '' ? '' : fs.realpathSync(fsPath(rootPrefix), 'buffer').toString('latin1');
  }

  check(real: string, outside: boolean | undefined): void {
    if (outside) return;
    let dir = parentOf(real);
    while (dir.length >= this.rootPrefix.length && dir !== '/' && dir !== '') {
      if (this.ok.has(dir)) return;
      let resolved: string | undefined;
      try {
        resolved = fs.realpathSync(fsPath(dir), 'buffer').toString('latin1');
      } catch {
        resolved = undefined; // does not exist yet: its parent decides
      }
      if (resolved !== undefined) {
        const expected = this.rootReal + dir.slice(this.rootPrefix.length);
        if (resolved !== expected) {
          throw new HostError(`refusing to restore through a symlinked directory: ${displayPath(dir)}`);
        }
        this.ok.add(dir);
        return;
      }
      dir = parentOf(dir);
    }
  }
}

/** Copy an object to a new temp file while checking its hash; sets owner, mode and mtime. */
function writeTemp(objects: ObjectStore, e: ManifestEntry, tmp: string): void {
  const hash = e.hash as string;
  const src = objects.isLoose(hash) ? fs.openSync(objects.loosePath(hash), 'r') : undefined;
  const out = fs.openSync(fsPath(tmp), 'wx', 0o600);
  try {
    if (src === undefined) {
      const data = objects.get(hash); // packed (small): read whole, verified
      fs.writeSync(out, data, 0, data.length, 0);
    } else {
      const h = createHash('sha256');
      const buf = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const n = fs.readSync(src, buf, 0, buf.length, null);
        if (n === 0) break;
        h.update(buf.subarray(0, n));
        fs.writeSync(out, buf, 0, n);
      }
      if (h.digest('hex') !== hash) {
        throw new HostError(`snapshot object for ${displayPath(e.path)} is corrupt; nothing was replaced`);
      }
    }
    fs.fchownSync(out, e.uid, e.gid);
    fs.fchmodSync(out, e.mode); // after chown: chown clears setuid/setgid
    fs.futimesSync(out, e.mtimeMs / 1000, e.mtimeMs / 1000);
  } catch (err) {
    fs.closeSync(out);
    fs.rmSync(fsPath(tmp), { force: true });
    throw err;
  } finally {
    if (src !== undefined) fs.closeSync(src);
  }
  fs.closeSync(out);
}

function setMeta(real: string, e: ManifestEntry): void {
  const p = fsPath(real);
  fs.lchownSync(p, e.uid, e.gid);
  if (e.type !== 'symlink') fs.chmodSync(p, e.mode);
  fs.lutimesSync(p, e.mtimeMs / 1000, e.mtimeMs / 1000);
}

/**
 * Everything that can be refused is refused before anything is written (and before the journal
 * exists): symlinked parents of any target, and snapshot objects that are missing or corrupt.
 */
export function preflight(ctx: Pick<ExecuteContext, 'rootPrefix' | 'objects'>, ops: RestoreOp[]): void {
  const guard = new AncestorGuard(ctx.rootPrefix);
  const checked = new Set<string>();
  // Below a path this plan replaces (a symlink swapped in for a directory), the check runs at
  // execution time, after the replacement.
  const replaced = ops.filter((o) => o.kind === 'replace' || o.kind === 'remove').map((o) => `${o.path}/`);
  for (const o of ops) {
    if (!replaced.some((r) => o.path.startsWith(r))) guard.check(realOf(ctx.rootPrefix, o), o.outside);
    const h = o.kind !== 'remove' && o.kind !== 'meta' ? o.entry?.hash : undefined;
    if (h && !checked.has(h)) {
      checked.add(h);
      if (!ctx.objects.check(h)) {
        throw new HostError(
          `snapshot object for ${displayPath(o.path)} is missing or corrupt; nothing was changed (see \`aios snapshot verify\`)`,
        );
      }
    }
  }
}

/** Returns the problems it worked around (directories kept, xattrs refused); throws on I/O failure. */
export async function executeRestore(ctx: ExecuteContext, ops: RestoreOp[]): Promise<string[]> {
  const guard = new AncestorGuard(ctx.rootPrefix);
  const touchedDirs = new Set<string>();
  const real = (o: { path: string; outside?: boolean | undefined }) => realOf(ctx.rootPrefix, o);

  // 1. Removals (and the live side of type changes), deepest first.
  const removals = ops.filter((o) => o.kind === 'remove' || o.kind === 'replace');
  removals.sort((a, b) => depth(b.path) - depth(a.path));
  const notEmpty: string[] = [];
  for (const o of removals) {
    const r = real(o);
    guard.check(r, o.outside);
    // Never recursive: a directory may hold what the walk skipped on purpose (excluded files, the
    // store, the memory db); its captured children are removed by their own ops, deepest first.
    try {
      if (o.live?.type === 'dir') fs.rmdirSync(fsPath(r));
      else fs.rmSync(fsPath(r), { force: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') notEmpty.push(displayPath(o.path));
      else if (code !== 'ENOENT') throw e;
    }
    touchedDirs.add(parentOf(r));
  }

  // 2. Directories that must exist, shallowest first; their metadata is set at the end.
  const dirs = ops.filter((o) => (o.kind === 'create' || o.kind === 'replace') && o.entry?.type === 'dir');
  dirs.sort((a, b) => depth(a.path) - depth(b.path));
  for (const o of dirs) {
    const r = real(o);
    guard.check(r, o.outside);
    fs.mkdirSync(fsPath(r), { recursive: true, mode: 0o700 });
    touchedDirs.add(parentOf(r));
  }

  // 3. Files and symlinks to temp names, then xattrs, one durability pass, then renames.
  const temps = tempPaths(ctx, ops);
  const writes: { op: RestoreOp; tmp: string }[] = [];
  let ti = 0;
  for (const op of ops) {
    if ((op.kind === 'create' || op.kind === 'replace' || op.kind === 'update') && op.entry?.type !== 'dir') {
      writes.push({ op, tmp: temps[ti++] as string });
    }
  }
  const linkedFrom = new Map<string, string>();
  for (const { op, tmp } of writes) {
    const e = op.entry as ManifestEntry;
    const r = real(op);
    guard.check(r, op.outside);
    const dir = parentOf(r);
    fs.mkdirSync(fsPath(dir), { recursive: true });
    touchedDirs.add(dir);
    fs.rmSync(fsPath(tmp), { force: true });
    if (e.type === 'symlink') {
      fs.symlinkSync(fsPath(e.target ?? ''), fsPath(tmp));
      fs.lchownSync(fsPath(tmp), e.uid, e.gid);
      fs.lutimesSync(fsPath(tmp), e.mtimeMs / 1000, e.mtimeMs / 1000);
      continue;
    }
    const linkKey = e.nlink > 1 ? `${e.dev}:${e.ino}` : undefined;
    const first = linkKey ? linkedFrom.get(linkKey) : undefined;
    if (first) {
      fs.linkSync(fsPath(first), fsPath(tmp));
      continue;
    }
    writeTemp(ctx.objects, e, tmp);
    if (linkKey) linkedFrom.set(linkKey, tmp);
  }
  await syncFiles(
    ctx.runner,
    writes.map((w) => w.tmp).filter((_, i) => writes[i]?.op.entry?.type === 'file'),
  );
  const xattrErrors = await applyXattrs(
    ctx.runner,
    writes
      .filter((w) => w.op.entry?.type === 'file' && w.op.entry.xattrs)
      .map((w) => ({ path: w.tmp, xattrs: w.op.entry?.xattrs ?? {} })),
    [],
  );
  for (const { op, tmp } of writes) fs.renameSync(fsPath(tmp), fsPath(real(op)));

  // 4. Metadata of existing entries and of the directories created above.
  const metaOps = ops.filter(
    (o) => o.kind === 'meta' || ((o.kind === 'create' || o.kind === 'replace') && o.entry?.type === 'dir'),
  );
  const xattrSets: { path: string; xattrs: Record<string, string> }[] = [];
  const xattrRemovals: { path: string; names: string[] }[] = [];
  for (const o of metaOps) {
    const e = o.entry as ManifestEntry;
    const r = real(o);
    guard.check(r, o.outside);
    setMeta(r, e);
    if (!sameXattrs(o.live?.xattrs, e.xattrs)) {
      if (e.xattrs) xattrSets.push({ path: r, xattrs: e.xattrs });
      const extra = Object.keys(o.live?.xattrs ?? {}).filter((n) => !(e.xattrs && n in e.xattrs));
      if (extra.length > 0) xattrRemovals.push({ path: r, names: extra });
    }
  }
  xattrErrors.push(...(await applyXattrs(ctx.runner, xattrSets, xattrRemovals)));

  // 5. Directory mtimes: writing into a directory changes its mtime, so re-set the snapshot's
  //    mtime on every captured directory that is an ancestor of something restored, deepest first.
  const changedPaths = new Set<string>();
  for (const o of ops) {
    let p = parentOf(o.path);
    while (p !== '/' && !changedPaths.has(p)) {
      changedPaths.add(p);
      p = parentOf(p);
    }
    if (o.entry?.type === 'dir') changedPaths.add(o.path);
  }
  const dirEntries = ctx.snapshotEntries
    .filter((e) => e.type === 'dir' && changedPaths.has(e.path))
    .sort((a, b) => depth(b.path) - depth(a.path));
  for (const e of dirEntries) {
    const r = real(e);
    try {
      fs.utimesSync(fsPath(r), e.mtimeMs / 1000, e.mtimeMs / 1000);
    } catch {
      // A directory the scope did not restore may be gone; its mtime is not ours to fix.
    }
  }
  for (const d of touchedDirs) fsyncDirBytes(d);
  if (notEmpty.length > 0) {
    xattrErrors.push(`kept non-empty directories holding uncaptured files: ${notEmpty.join(', ')}`);
  }
  return xattrErrors;
}

async function syncFiles(runner: ProcessRunner, files: string[]): Promise<void> {
  if (files.length === 0) return;
  if (files.length > 64) {
    const dir = Buffer.from(parentOf(files[0] as string), 'latin1').toString('utf8');
    const r = await runner(['sync', '-f', dir], { timeoutMs: 120_000 });
    if (r.exitCode === 0) return;
  }
  await Promise.all(
    files.map(async (f) => {
      const h = await fs.promises.open(fsPath(f), 'r');
      try {
        await h.sync();
      } finally {
        await h.close();
      }
    }),
  );
}

function fsyncDirBytes(dir: string): void {
  try {
    const fd = fs.openSync(fsPath(dir), 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Gone, or a file system that refuses fsync on directories: the renames are still atomic.
  }
}

/** Remove temp files an interrupted restore left (names recorded in its journal). */
export function removeTemps(temps: string[]): void {
  for (const t of temps) fs.rmSync(fsPath(t), { force: true });
}
