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
    return fs.lstatSync(real);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

export async function statInRoot(root: RootPath, hostPath: string, followLast: boolean): Promise<RootStat> {
  const direct = root.real(hostPath);
  if (!root.isHostRoot) {
    let plain = false;
    try {
      // No link anywhere in the parent chain: the kernel's resolution equals the in-root one.
      const want = path.join(realRoot(root), path.posix.dirname(path.posix.normalize(hostPath)));
      plain = fs.realpathSync.native(path.dirname(direct)) === want;
    } catch {
      plain = false; // a missing or dangling parent: let the careful resolver decide
    }
    if (!plain) return slow(root, hostPath, followLast);
  }
  const st = lstatOrUndefined(direct);
  if (followLast && st?.isSymbolicLink()) return slow(root, hostPath, followLast);
  return { real: direct, st };
}

async function slow(root: RootPath, hostPath: string, followLast: boolean): Promise<RootStat> {
  const real = await resolveInRoot(root, hostPath, followLast);
  return { real, st: lstatOrUndefined(real) };
}
