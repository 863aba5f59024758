// The walk that turns captured trees into manifest entries. Fast path: a stat cache (the previous
// snapshot's entries: size, mtime, ctime, inode, device) so an unchanged file is not read again,
// with git's "racy" rule: an entry whose mtime/ctime is not safely older than the previous walk's
// start is re-read, because it may have changed within the timestamp granularity. xattrs are read
// only for entries that missed the cache (setxattr updates ctime). Synchronous fs calls on purpose:
// for thousands of small cached files they are several times faster than promise round trips.
// This module never writes to the captured trees.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { type EntryType, fsPath, type ManifestEntry, sameEntry } from './manifest.js';
import { hashFileSync, type ObjectStore } from './object-store.js';
import type { XattrMap, XattrReader } from './xattrs.js';

/** Files below this size are read whole; larger ones are streamed in 1 MiB chunks. */
const WHOLE_READ_MAX = 8 * 1024 * 1024;
/** Coarse kernel clocks lag real time by up to a jiffy: treat anything this close to the walk as racy. */
const RACY_MARGIN_MS = 50;

export interface CaptureTop {
  /** Host path (byte string) for tops under the root; the real path for outside tops. */
  path: string;
  outside: boolean;
}

export interface PrevCache {
  entries: ManifestEntry[];
  startedMs: number;
}

export interface CaptureInput {
  /** Byte-string prefix that turns a host path into a real one ('' for /). */
  rootPrefix: string;
  tops: CaptureTop[];
  exclude: (hostPath: string) => boolean;
  /** Real paths (byte strings) never captured: the store itself, the live memory db. */
  skipReal: Set<string>;
  prev?: PrevCache | undefined;
  /** Where new contents go; null for a live scan that only hashes (diff against live, restore plan). */
  objects: ObjectStore | null;
  xattrs: XattrReader;
}

export interface CaptureResult {
  entries: ManifestEntry[];
  /** Every entry came from the cache and the entry list is the previous one: reuse its manifest. */
  unchanged: boolean;
  changed: number;
  readBytes: number;
  skipped: string[];
  missingTops: string[];
  startedMs: number;
}

let scratch = Buffer.allocUnsafe(256 * 1024);

/**
 * open + read + close into a reused buffer: one syscall fewer than readFileSync (no fstat) and no
 * allocation per file. The result is a view of the scratch buffer, valid until the next call.
 */
function readSmall(file: string | Buffer, expected: number): Buffer {
  if (scratch.length < expected + 1) scratch = Buffer.allocUnsafe(expected + 1 + 64 * 1024);
  const fd = fs.openSync(file, 'r');
  try {
    let n = 0;
    for (;;) {
      if (n === scratch.length) {
        const bigger = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(bigger);
        scratch = bigger;
      }
      const r = fs.readSync(fd, scratch, n, scratch.length - n, null);
      if (r === 0) break;
      n += r;
    }
    return scratch.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

export function entryKey(e: { path: string; outside?: boolean | undefined }): string {
  return e.outside ? `!${e.path}` : e.path;
}

/** Real path of a top: `--root DIR` plus the host path ("/" is DIR itself), or the path as is. */
export function realTop(rootPrefix: string, top: CaptureTop): string {
  if (top.outside) return top.path;
  if (top.path === '/') return rootPrefix === '' ? '/' : rootPrefix;
  return rootPrefix + top.path;
}

function typeOf(st: fs.Stats): EntryType | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return undefined;
}

export async function capture(input: CaptureInput): Promise<CaptureResult> {
  const startedMs = Date.now();
  const prevMap = new Map<string, ManifestEntry>();
  if (input.prev) for (const e of input.prev.entries) prevMap.set(entryKey(e), e);
  const safeBefore = (input.prev?.startedMs ?? 0) - RACY_MARGIN_MS;
  const entries: ManifestEntry[] = [];
  const missed: ManifestEntry[] = [];
  const skipped: string[] = [];
  const missingTops: string[] = [];
  let readBytes = 0;
  let changed = 0;
  let seenPrev = 0;

  const visit = (hostPath: string, realPath: string, outside: boolean, st: fs.Stats): void => {
    const type = typeOf(st);
    if (!type) {
      skipped.push(hostPath);
      return;
    }
    const entry: ManifestEntry = {
      path: hostPath,
      type,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtimeMs: st.mtimeMs,
      size: type === 'dir' ? 0 : st.size,
      ino: st.ino,
      dev: st.dev,
      ctimeMs: st.ctimeMs,
      nlink: st.nlink,
    };
    if (outside) entry.outside = true;
    const before = prevMap.get(entryKey(entry));
    if (before) seenPrev++;
    const hit =
      before !== undefined &&
      before.type === type &&
      before.size === entry.size &&
      before.mtimeMs === st.mtimeMs &&
      before.ctimeMs === st.ctimeMs &&
      before.ino === st.ino &&
      before.dev === st.dev &&
      st.mtimeMs < safeBefore &&
      st.ctimeMs < safeBefore;
    if (hit) {
      if (before.hash) entry.hash = before.hash;
      if (before.target !== undefined) entry.target = before.target;
      if (before.xattrs) entry.xattrs = before.xattrs;
      entries.push(entry);
      return;
    }
    try {
      if (type === 'file') {
        const src = fsPath(realPath);
        if (st.size <= WHOLE_READ_MAX) {
          const data = readSmall(src, st.size);
          entry.size = data.length;
          entry.hash = input.objects
            ? input.objects.putBuffer(data)
            : createHash('sha256').update(data).digest('hex');
        } else {
          const r = input.objects ? input.objects.putFileStreaming(src) : hashFileSync(src);
          entry.size = r.size;
          entry.hash = r.hash;
        }
        readBytes += entry.size;
      } else if (type === 'symlink') {
        entry.target = fs.readlinkSync(fsPath(realPath), { encoding: 'buffer' }).toString('latin1');
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Vanished or unreadable between lstat and read: leave it out, say so.
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'ELOOP') {
        skipped.push(hostPath);
        return;
      }
      throw e;
    }
    entries.push(entry);
    missed.push(entry);
  };

  const walk = (hostPath: string, realPath: string, outside: boolean): void => {
    let names: string[];
    try {
      // latin1: one char per byte of the name, so any byte sequence survives as a byte string.
      names = fs.readdirSync(fsPath(realPath), { encoding: 'latin1' });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOTDIR') {
        skipped.push(hostPath);
        return;
      }
      throw e;
    }
    const sorted = names.sort();
    const hostBase = hostPath === '/' ? '' : hostPath;
    const realBase = realPath === '/' ? '' : realPath;
    for (const name of sorted) {
      const childHost = `${hostBase}/${name}`;
      const childReal = `${realBase}/${name}`;
      if (input.skipReal.has(childReal) || input.exclude(childHost)) continue;
      const st = fs.lstatSync(fsPath(childReal), { throwIfNoEntry: false });
      if (!st) continue;
      visit(childHost, childReal, outside, st);
      if (st.isDirectory()) walk(childHost, childReal, outside);
    }
  };

  for (const top of input.tops) {
    const real = realTop(input.rootPrefix, top);
    if (input.skipReal.has(real) || input.exclude(top.path)) continue;
    const st = fs.lstatSync(fsPath(real), { throwIfNoEntry: false });
    if (!st) {
      missingTops.push(top.path);
      continue;
    }
    visit(top.path, real, top.outside, st);
    if (st.isDirectory()) walk(top.path, real, top.outside);
  }

  if (missed.length > 0) {
    const realOf = (e: ManifestEntry) => (e.outside ? e.path : input.rootPrefix + e.path);
    let map: XattrMap;
    if (!input.prev || missed.length * 2 > entries.length) {
      map = await input.xattrs.readTrees(input.tops.map((t) => realTop(input.rootPrefix, t)));
    } else {
      map = await input.xattrs.readPaths(missed.map(realOf));
    }
    for (const e of missed) {
      const x = map.get(realOf(e));
      if (x && Object.keys(x).length > 0) e.xattrs = x;
    }
    for (const e of missed) {
      const before = prevMap.get(entryKey(e));
      if (!before || !sameEntry(before, e, false)) changed++;
    }
  }
  const removed = prevMap.size - seenPrev;
  changed += removed;

  let unchanged = input.prev !== undefined && missed.length === 0 && removed === 0;
  if (unchanged && input.prev) {
    const prevEntries = input.prev.entries;
    unchanged = prevEntries.length === entries.length;
    for (let i = 0; unchanged && i < entries.length; i++) {
      const a = entries[i] as ManifestEntry;
      const b = prevEntries[i] as ManifestEntry;
      if (entryKey(a) !== entryKey(b) || a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid) {
        unchanged = false;
      }
    }
  }
  return { entries, unchanged, changed, readBytes, skipped, missingTops, startedMs };
}
