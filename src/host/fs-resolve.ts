// Resolves a host path to a real path with every symlink interpreted INSIDE the root, the way
// openat2(RESOLVE_IN_ROOT) or a chroot would: an absolute link target restarts at the root and `..`
// stops at it. Without this, a link in a `--root` image such as `etc/x -> /etc/shadow` would make a
// tool touch the machine's own file. Must not do anything but lstat/readlink. Those are synchronous
// on purpose: a few microseconds each, where a thread-pool hop queues behind the fsyncs of a first
// apply (4 threads, each fsync a fraction of a millisecond) — see docs/decisions/176.
import fs from 'node:fs';
import { HostError } from '../errors.js';
import type { RootPath } from './root-path.js';

const MAX_LINKS = 40; // the kernel's own limit (ELOOP)

/**
 * Real path of `hostPath` under `root`. Links in the parent directories are always resolved; the
 * last component only when `followLast` (read/write a file) and not for lstat-like uses (stat,
 * remove, symlink). Components that do not exist are kept as written.
 */
export async function resolveInRoot(root: RootPath, hostPath: string, followLast: boolean): Promise<string> {
  return resolveInRootSync(root, hostPath, followLast);
}

/** resolveInRoot for callers that are synchronous themselves (observe's hot path). */
export function resolveInRootSync(root: RootPath, hostPath: string, followLast: boolean): string {
  const direct = root.real(hostPath); // validates: absolute, no `..`
  // On the real root the kernel's own resolution cannot leave `/`, so only a followed last link
  // needs the walk (to behave exactly as under --root: write through the link, not over it).
  if (root.isHostRoot && !followLast) return direct;
  const queue = hostPath.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  let missing = false;
  while (queue.length > 0) {
    const part = queue.shift() as string;
    if (part === '.' || part === '') continue;
    if (part === '..') {
      done.pop(); // `..` at the root stays at the root
      continue;
    }
    const isLast = queue.length === 0;
    if (missing || (isLast && !followLast)) {
      done.push(part);
      continue;
    }
    const real = root.real(`/${[...done, part].join('/')}`);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(real, { throwIfNoEntry: false });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
      st = undefined;
    }
    if (!st) {
      missing = true;
      done.push(part);
      continue;
    }
    if (!st.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    links += 1;
    if (links > MAX_LINKS) throw new HostError(`too many levels of symbolic links: ${hostPath}`);
    const target = fs.readlinkSync(real);
    if (target.startsWith('/')) done.length = 0;
    queue.unshift(...target.split('/').filter((c) => c !== '' && c !== '.'));
  }
  // The root itself without a trailing slash, so callers can compare it with root.root.
  return done.length === 0 ? root.root : root.real(`/${done.join('/')}`);
}
