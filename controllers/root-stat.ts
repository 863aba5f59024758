// lstat of a host path under a root, resolved exactly like src/host/fs-resolve.ts resolves it for
// the tools (links interpreted inside the root), but fast on the common case. observe of 10 000
// file resources is the hot path of a no-change run: resolveInRoot costs an lstat per path
// component, while one realpath(3) of the parent proves there is no link to interpret at all.
// Everything here is synchronous: a few microseconds per call, where a thread-pool round trip costs
// more than the call itself (decision 176). Read-only: never creates, changes or removes anything.
import fs from 'node:fs';
import path from 'node:path';
import { resolveInRootSync } from '../src/host/fs-resolve.js';
import type { RootPath } from '../src/host/root-path.js';

export interface RootStat {
  /** The real path the tools will act on. */
  real: string;
  /** undefined: nothing there. */
  st: fs.Stats | undefined;
}

const realRoots = new Map<string, string>();

function realRoot(root: RootPath): string {
  let r = realRoots.get(root.root);
  if (r === undefined) {
    r = fs.realpathSync.native(root.root);
    realRoots.set(root.root, r);
  }
  return r;
}

function lstatOrUndefined(real: string): fs.Stats | undefined {
  try {
    // No exception for the common "not there yet" case: building one costs more than the lstat.
    return fs.lstatSync(real, { throwIfNoEntry: false });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

export async function statInRoot(root: RootPath, hostPath: string, followLast: boolean): Promise<RootStat> {
  return statInRootSync(root, hostPath, followLast);
}

/**
 * A path already in normal form ("/srv/a/b.txt": absolute, no empty, `.` or `..` component, no
 * trailing slash) maps to its real path by concatenation; anything else takes RootPath's checks.
 * Both give the same string for such a path (path.join of the root and a normal path).
 */
function isNormal(hostPath: string): boolean {
  return (
    hostPath.length > 1 &&
    hostPath.charCodeAt(0) === 47 &&
    hostPath.charCodeAt(hostPath.length - 1) !== 47 &&
    !hostPath.includes('//') &&
    !hostPath.includes('/.') &&
    !hostPath.includes('\0')
  );
}

export function statInRootSync(root: RootPath, hostPath: string, followLast: boolean): RootStat {
  let direct: string;
  let hostParent: string;
  if (isNormal(hostPath)) {
    direct = root.isHostRoot ? hostPath : root.root + hostPath;
    hostParent = hostPath.slice(0, hostPath.lastIndexOf('/')) || '/';
  } else {
    direct = root.real(hostPath);
    hostParent = path.posix.dirname(path.posix.normalize(hostPath));
  }
  if (!root.isHostRoot) {
    const state = parentState(root, path.dirname(direct), hostParent);
    if (state === undefined) return slow(root, hostPath, followLast);
    // A missing parent below a link-free ancestor, its first missing component found missing just
    // now: nothing below it exists, whatever resolver is asked (a first apply's observe).
    if (state !== true) return { real: direct, st: undefined };
  }
  const st = lstatOrUndefined(direct);
  if (followLast && st?.isSymbolicLink()) return slow(root, hostPath, followLast);
  return { real: direct, st };
}

/**
 * Parents checked for links, remembered per RootPath for PARENT_TTL_MS: one planning pass observes
 * thousands of files in the same few directories. `true`: the parent exists and no link is on its
 * chain. A string: the parent is missing, its nearest existing ancestor is link-free, and the string
 * is the real path of the first missing component, which parentState has just found missing (it
 * checks again on every use: once it exists, the entry is worked out afresh). A parent turned into a link within the window is seen the kernel's
 * way for the rest of the window; the tools themselves always resolve afresh.
 */
const PARENT_TTL_MS = 1000;
type ParentState = true | string;
const parentStates = new WeakMap<RootPath, { since: number; dirs: Map<string, ParentState> }>();

function parentState(root: RootPath, realParent: string, hostParent: string): ParentState | undefined {
  const now = performance.now();
  let cache = parentStates.get(root);
  if (!cache || now - cache.since > PARENT_TTL_MS) {
    cache = { since: now, dirs: new Map() };
    parentStates.set(root, cache);
  }
  const known = cache.dirs.get(realParent);
  if (known === true) return true;
  // A missing parent that has appeared since (the directory resource ran) is worked out afresh.
  if (known !== undefined && lstatOrUndefined(known) === undefined) return known;
  const state = computeParentState(root, realParent, hostParent);
  if (state === undefined) cache.dirs.delete(realParent);
  else cache.dirs.set(realParent, state);
  return state;
}

function computeParentState(root: RootPath, realParent: string, hostParent: string): ParentState | undefined {
  // No link anywhere in the parent chain: the kernel's resolution equals the in-root one.
  const real = realpathOrCode(realParent);
  if (real !== 'ENOENT') return real === realUnder(root, hostParent) ? true : undefined;
  // Missing: find the nearest existing ancestor; it must be link-free and its child on the way
  // down really absent (not a dangling link, which the careful resolver must interpret).
  let child = hostParent;
  for (let host = path.posix.dirname(hostParent); ; host = path.posix.dirname(host)) {
    const r = realpathOrCode(root.real(host));
    if (r !== 'ENOENT') {
      if (r !== realUnder(root, host)) return undefined;
      const probe = root.real(child);
      return lstatOrUndefined(probe) === undefined ? probe : undefined;
    }
    if (host === '/') return undefined;
    child = host;
  }
}

/** Where a link-free host path lies under the real root (the root itself for `/`, no trailing slash). */
function realUnder(root: RootPath, host: string): string {
  return host === '/' ? realRoot(root) : path.join(realRoot(root), host);
}

/** The real path, 'ENOENT' when a component is missing, undefined for any other failure. */
function realpathOrCode(p: string): string | undefined {
  try {
    return fs.realpathSync.native(p);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'ENOENT' : undefined;
  }
}

function slow(root: RootPath, hostPath: string, followLast: boolean): RootStat {
  const real = resolveInRootSync(root, hostPath, followLast);
  return { real, st: lstatOrUndefined(real) };
}
