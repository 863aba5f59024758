// Read-only facts about paths under a root: type, mode, owner, size, link target, directory
// listings. Used by the read tools and by controllers' observe. Never changes anything.
import fs from 'node:fs';
import path from 'node:path';
import type { Accounts } from './accounts.js';
import { resolveInRoot } from './fs-resolve.js';
import type { RootPath } from './root-path.js';

export type PathType = 'file' | 'dir' | 'symlink' | 'other';

export interface PathInfo {
  /** The host path asked about. */
  path: string;
  exists: boolean;
  type?: PathType;
  /** Permission bits as 4 octal digits, e.g. "0644" (setuid/setgid/sticky included). */
  mode?: string;
  uid?: number;
  gid?: number;
  owner?: string;
  group?: string;
  size?: number;
  mtime?: string;
  /** The link's value, as stored (symlinks only). */
  target?: string;
}

/** 0o644 -> "0644". */
/** True when something (even a dangling link) is at this real path. */
export async function lexists(realPath: string): Promise<boolean> {
  try {
    await fs.promises.lstat(realPath);
    return true;
  } catch {
    return false;
  }
}

export function formatMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** "0644" or "644" -> 0o644. The tool schemas already checked the digits. */
export function parseMode(mode: string): number {
  return Number.parseInt(mode, 8);
}

export function typeOf(st: fs.Stats): PathType {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'other';
}

export function infoFromStats(
  hostPath: string,
  st: fs.Stats,
  accounts?: Accounts,
  target?: string,
): PathInfo {
  const info: PathInfo = {
    path: hostPath,
    exists: true,
    type: typeOf(st),
    mode: formatMode(st.mode),
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    mtime: st.mtime.toISOString(),
  };
  if (accounts) {
    info.owner = accounts.userName(st.uid);
    info.group = accounts.groupName(st.gid);
  }
  if (target !== undefined) info.target = target;
  return info;
}

/** lstat-like facts about a host path (a final symlink is reported, not followed). */
export async function pathInfo(root: RootPath, hostPath: string, accounts?: Accounts): Promise<PathInfo> {
  const real = await resolveInRoot(root, hostPath, false);
  let st: fs.Stats;
  try {
    st = await fs.promises.lstat(real);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { path: hostPath, exists: false };
    throw e;
  }
  const target = st.isSymbolicLink() ? await fs.promises.readlink(real) : undefined;
  return infoFromStats(hostPath, st, accounts, target);
}

/** Entries of a directory (links not followed), sorted by name. */
export async function listDirectory(
  root: RootPath,
  hostPath: string,
  accounts?: Accounts,
): Promise<PathInfo[]> {
  const real = await resolveInRoot(root, hostPath, true);
  const names = (await fs.promises.readdir(real)).sort();
  const out: PathInfo[] = [];
  for (const name of names) {
    const child = path.join(real, name);
    const childHost = path.posix.join(hostPath, name);
    try {
      const st = await fs.promises.lstat(child);
      const target = st.isSymbolicLink() ? await fs.promises.readlink(child) : undefined;
      out.push(infoFromStats(childHost, st, accounts, target));
    } catch {
      // Removed between readdir and lstat: it is simply not there any more.
    }
  }
  return out;
}
