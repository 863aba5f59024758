// The manifest of one snapshot: every captured entry with its metadata, as plain data, plus the
// checks that make a manifest safe to restore (no `..`, nothing below a symlink, absolute paths).
// Paths are BYTE STRINGS: each char is one byte of the real name (latin1), so names that are not
// UTF-8 survive JSON and round trips unchanged. Convert with `fsPath`/`displayPath` at the edges.
// This module does no I/O.
import { HostError } from '../errors.js';

export type EntryType = 'file' | 'dir' | 'symlink';

export interface ManifestEntry {
  /** Host path (under --root), or an absolute real path when `outside` is set; a byte string. */
  path: string;
  type: EntryType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  size: number;
  /** sha256 of the contents (files). */
  hash?: string;
  /** Symlink target, a byte string. */
  target?: string;
  /** Extended attributes incl. POSIX ACLs (system.posix_acl_*): name -> base64 value. */
  xattrs?: Record<string, string>;
  /** Stat-cache and hard-link identity: not restored, used to skip unchanged files and relink. */
  ino: number;
  dev: number;
  ctimeMs: number;
  nlink: number;
  /** Captured from outside --root (the aios config and specs dirs when they live elsewhere). */
  outside?: boolean;
}

export interface DatabaseCopy {
  /** Real path of the live database (the memory db). */
  path: string;
  hash: string;
  size: number;
}

export interface SnapshotMeta {
  root: string;
  /** Captured top-level host paths (restore removes new files only below these). */
  paths: string[];
  /** Captured top-level real paths outside the root. */
  outsidePaths: string[];
  /** Object hash of the package list (lines "name\tversion\tstatus"), when the root has dpkg. */
  packages?: string;
  /** dpkg status file identity when the package list was read: unchanged -> reuse the list. */
  packagesStamp?: string;
  /** Enabled units, as "multi-user.target.wants/nginx.service". */
  units: string[];
  databases: DatabaseCopy[];
  users: Record<string, string>;
  groups: Record<string, string>;
  /** Entry paths that could not be read (vanished, permission): reported, not fatal. */
  skipped: string[];
}

export const MANIFEST_VERSION = 1;

export interface Manifest {
  version: number;
  entries: ManifestEntry[];
}

/** A byte-string path as a Buffer for fs calls (exact bytes, never re-encoded). */
export function fsPath(bytePath: string): string | Buffer {
  // Pure ASCII reads the same as UTF-8, so it can go as a string (no Buffer per call on the hot walk).
  return NON_ASCII.test(bytePath) ? Buffer.from(bytePath, 'latin1') : bytePath;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** A user-typed (UTF-8) path as a byte string. */
export function bytePath(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** For humans: the UTF-8 reading of the bytes (invalid bytes show as U+FFFD). */
export function displayPath(bytePathText: string): string {
  return Buffer.from(bytePathText, 'latin1').toString('utf8');
}

/** True when the byte string is valid UTF-8 (so a process can be given the name as an argument). */
export function isUtf8(bytePathText: string): boolean {
  const buf = Buffer.from(bytePathText, 'latin1');
  return Buffer.from(buf.toString('utf8'), 'utf8').equals(buf);
}

export function encodeManifest(m: Manifest): Buffer {
  return Buffer.from(JSON.stringify(m), 'utf8');
}

export function decodeManifest(data: Buffer): Manifest {
  const m = JSON.parse(data.toString('utf8')) as Manifest;
  if (m.version !== MANIFEST_VERSION || !Array.isArray(m.entries)) {
    throw new HostError(`unsupported snapshot manifest version ${String(m.version)}`);
  }
  return m;
}

/** `child` is `parent` or below it (both normalized absolute paths). */
export function isWithin(child: string, parent: string): boolean {
  if (parent === '/') return child.startsWith('/');
  return child === parent || child.startsWith(`${parent}/`);
}

/**
 * Refuse manifests that would write outside what they captured: relative paths, `..` or `.`
 * components, NUL bytes, entries outside the captured tops, entries below a symlink (a symlink
 * to / followed by "/etc/x/passwd" would otherwise write /passwd), hashes that are not sha256.
 */
export function validateManifest(m: Manifest, meta: SnapshotMeta): void {
  const symlinks = new Set<string>();
  const problems: string[] = [];
  for (const e of m.entries) {
    const p = e.path;
    if (typeof p !== 'string' || !p.startsWith('/') || p.includes('\0')) {
      problems.push(`not an absolute path: ${JSON.stringify(p)}`);
      continue;
    }
    const parts = p.split('/').slice(1);
    if (p !== '/' && parts.some((s) => s === '..' || s === '.' || s === '')) {
      problems.push(`path escapes or is not normal: ${displayPath(p)}`);
      continue;
    }
    const tops = e.outside ? meta.outsidePaths : meta.paths;
    if (!tops.some((t) => isWithin(p, t))) {
      problems.push(`path outside the captured paths: ${displayPath(p)}`);
      continue;
    }
    if (e.type === 'file' && !(typeof e.hash === 'string' && /^[0-9a-f]{64}$/.test(e.hash))) {
      problems.push(`bad hash for ${displayPath(p)}`);
    }
    if (e.type === 'symlink') {
      if (typeof e.target !== 'string' || e.target.includes('\0')) {
        problems.push(`bad symlink target for ${displayPath(p)}`);
      }
      symlinks.add(p);
    }
    if (!['file', 'dir', 'symlink'].includes(e.type)) problems.push(`bad type for ${displayPath(p)}`);
  }
  if (symlinks.size > 0) {
    for (const e of m.entries) {
      let i = e.path.lastIndexOf('/');
      while (i > 0) {
        const anc = e.path.slice(0, i);
        if (symlinks.has(anc)) {
          problems.push(`entry below a symlink: ${displayPath(e.path)}`);
          break;
        }
        i = anc.lastIndexOf('/');
      }
    }
  }
  if (problems.length > 0) {
    throw new HostError(
      `snapshot manifest refused (${problems.length} unsafe entries): ${problems.slice(0, 5).join('; ')}`,
    );
  }
}

/** Same content and metadata (what a restore would set); ignores stat-cache identity fields. */
export function sameEntry(a: ManifestEntry, b: ManifestEntry, withMtime = true): boolean {
  return (
    a.type === b.type &&
    a.mode === b.mode &&
    a.uid === b.uid &&
    a.gid === b.gid &&
    a.hash === b.hash &&
    a.target === b.target &&
    (!withMtime || a.type !== 'file' || sameMtime(a.mtimeMs, b.mtimeMs)) &&
    sameXattrs(a.xattrs, b.xattrs)
  );
}

/**
 * Equal to the millisecond. Not `Math.trunc(a) === Math.trunc(b)`: utimes takes seconds as a double,
 * so a restored x.544 ms can read back as x.543999 ms.
 */
export function sameMtime(a: number, b: number): boolean {
  return Math.abs(a - b) < 1;
}

export function sameXattrs(a?: Record<string, string>, b?: Record<string, string>): boolean {
  const ka = a ? Object.keys(a) : [];
  const kb = b ? Object.keys(b) : [];
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (a?.[k] !== b?.[k]) return false;
  return true;
}

/** Compare byte strings the way the walk orders them (bytewise; '/' sorts before other bytes). */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
