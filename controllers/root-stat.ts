// lstat of a host path under a root, resolved exactly like src/host/fs-resolve.ts resolves it for
// the tools (links interpreted inside the root), but fast on the common case. observe of 10 000
// file resources is the hot path of a no-change run: resolveInRoot costs an async lstat per path
// component, while one realpath(3) of the parent proves there is no link to interpret at all.
// Read-only: never creates, changes or removes anything.
import fs from 'node:fs';
import path from 'node:path';
import { resolveInRoot } from '../src/host/fs-resolve.js';
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
  const direct = root.real(hostPath);
  if (!root.isHostRoot) {
    if (!plainParent(root, path.dirname(direct), path.posix.dirname(path.posix.normalize(hostPath)))) {
      return slow(root, hostPath, followLast);
    }
  }
  const st = lstatOrUndefined(direct);
  if (followLast && st?.isSymbolicLink()) return slow(root, hostPath, followLast);
  return { real: direct, st };
}

/**
 * Link-free parents, remembered per RootPath for PARENT_TTL_MS: one planning pass observes thousands
 * of files in the same few directories. A parent turned into a link within that window is seen the
 * kernel's way for the rest of the window; the tools themselves always resolve afresh.
 */
const PARENT_TTL_MS = 1000;
const plainParents = new WeakMap<RootPath, { since: number; dirs: Set<string> }>();

function plainParent(root: RootPath, realParent: string, hostParent: string): boolean {
  const now = performance.now();
  let cache = plainParents.get(root);
  if (!cache || now - cache.since > PARENT_TTL_MS) {
    cache = { since: now, dirs: new Set() };
    plainParents.set(root, cache);
  }
  if (cache.dirs.has(realParent)) return true;
  let plain = false;
  try {
    // No link anywhere in the parent chain: the kernel's resolution equals the in-root one.
    plain = fs.realpathSync.native(realParent) === path.join(realRoot(root), hostParent);
  } catch {
    plain = false; // a missing or dangling parent: let the careful resolver decide
  }
  if (plain) cache.dirs.add(realParent);
  return plain;
}

async function slow(root: RootPath, hostPath: string, followLast: boolean): Promise<RootStat> {
  const real = await resolveInRoot(root, hostPath, followLast);
  return { real, st: lstatOrUndefined(real) };
}
