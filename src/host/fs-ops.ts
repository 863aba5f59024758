// Idempotent file-system changes under a root: each `ensure*` compares first and touches the disk
// only when something differs, reporting `changed` truthfully. Writes are atomic
// (src/host/atomic-write.ts). Paths are host paths resolved inside the root (fs-resolve.ts).
// Must not decide whether a change is allowed: the policy gate did that before we are called.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HostError } from '../errors.js';
import { atomicWrite, fsyncDir } from './atomic-write.js';
import { formatMode, type PathType, typeOf } from './fs-info.js';
import { resolveInRoot } from './fs-resolve.js';
import type { RootPath } from './root-path.js';

export interface Ownership {
  uid?: number | undefined;
  gid?: number | undefined;
}

/**
 * Synchronous on purpose (decision 176): an lstat is microseconds of kernel time, while a thread
 * pool round trip queued behind a first apply's fsyncs cost 40–70 ms over 1000 writes.
 */
async function lstatOrUndefined(real: string): Promise<fs.Stats | undefined> {
  try {
    return fs.lstatSync(real);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

async function requireParentDir(real: string, hostPath: string): Promise<void> {
  const parent = await lstatOrUndefined(path.dirname(real));
  if (!parent) throw new HostError(`parent directory does not exist: ${path.posix.dirname(hostPath)}`);
  if (!parent.isDirectory())
    throw new HostError(`parent is not a directory: ${path.posix.dirname(hostPath)}`);
}

export interface ReadResult {
  content: string;
  size: number;
  /** Bytes not returned because of maxBytes. */
  omitted: number;
}

/** Read a file (links followed inside the root), at most `maxBytes` of it. */
export async function readFileText(root: RootPath, hostPath: string, maxBytes: number): Promise<ReadResult> {
  const real = await resolveInRoot(root, hostPath, true);
  // Check before opening: open(2) on a FIFO blocks until a writer comes, possibly forever.
  const pre = await fs.promises.stat(real);
  if (pre.isDirectory()) throw new HostError(`is a directory: ${hostPath}`);
  if (!pre.isFile()) throw new HostError(`not a regular file (${typeOf(pre)}): ${hostPath}`);
  const handle = await fs.promises.open(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new HostError(`not a regular file: ${hostPath}`);
    const want = Math.min(st.size, maxBytes);
    const buf = Buffer.alloc(want);
    const { bytesRead } = await handle.read(buf, 0, want, 0);
    return {
      content: buf.subarray(0, bytesRead).toString('utf8'),
      size: st.size,
      omitted: st.size - bytesRead,
    };
  } finally {
    await handle.close();
  }
}

export interface EnsureFileOptions extends Ownership {
  mode?: number | undefined;
  /** Called with the temp file's real path before it replaces the old file; throw to abort. */
  validate?: ((tempPath: string) => Promise<void>) | undefined;
}

export interface EnsureFileResult {
  changed: boolean;
  created: boolean;
  /** Previous content (utf-8), undefined when the file did not exist. */
  before: string | undefined;
  mode: number;
  /** What differed: content, mode, owner. */
  differences: string[];
}

/**
 * Make a regular file hold `content` with the given mode/owner. A final symlink is followed inside
 * the root (the link's target is written, the link stays). Unchanged content, mode and owner: no
 * write at all, `changed=false`.
 */
export async function ensureFile(
  root: RootPath,
  hostPath: string,
  content: string | Buffer,
  options: EnsureFileOptions = {},
): Promise<EnsureFileResult> {
  const real = await resolveInRoot(root, hostPath, true);
  const st = await lstatOrUndefined(real);
  if (st && !st.isFile()) throw new HostError(`not a regular file (${typeOf(st)}): ${hostPath}`);
  if (!st) await requireParentDir(real, hostPath);
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const mode = options.mode ?? (st ? st.mode & 0o7777 : 0o644);
  let before: Buffer | undefined;
  const differences: string[] = [];
  if (st) {
    before = fs.readFileSync(real);
    if (!before.equals(data)) differences.push('content');
    if ((st.mode & 0o7777) !== mode) differences.push('mode');
    if (
      (options.uid !== undefined && options.uid !== st.uid) ||
      (options.gid !== undefined && options.gid !== st.gid)
    )
      differences.push('owner');
    if (differences.length === 0) {
      return { changed: false, created: false, before: before.toString('utf8'), mode, differences };
    }
  } else {
    differences.push('created');
  }
  await atomicWrite(real, data, {
    mode,
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
    ...(options.validate ? { validate: options.validate } : {}),
  });
  return { changed: true, created: !st, before: before?.toString('utf8'), mode, differences };
}

export interface EnsureDirOptions extends Ownership {
  mode?: number | undefined;
  parents?: boolean | undefined;
}

export interface EnsureResult {
  changed: boolean;
  /** Short human notes on what was done ("created", "mode 0700 -> 0755"). */
  notes: string[];
}

/** Make a directory exist with the given mode/owner (links followed inside the root). */
export async function ensureDir(
  root: RootPath,
  hostPath: string,
  options: EnsureDirOptions = {},
): Promise<EnsureResult> {
  const real = await resolveInRoot(root, hostPath, true);
  const notes: string[] = [];
  let st = await lstatOrUndefined(real);
  if (st && !st.isDirectory())
    throw new HostError(`exists and is not a directory (${typeOf(st)}): ${hostPath}`);
  if (!st) {
    if (options.parents) {
      // Missing parents get exactly 0755 whatever the umask; only the last gets the requested mode.
      await makeParents(path.dirname(real));
    } else {
      await requireParentDir(real, hostPath);
    }
    await fs.promises.mkdir(real, { mode: options.mode ?? 0o755 });
    notes.push('created');
    st = await fs.promises.lstat(real);
    // mkdir(2) applies the umask; set the mode explicitly so the result is what was asked.
    const want = options.mode ?? 0o755;
    if ((st.mode & 0o7777) !== want) await fs.promises.chmod(real, want);
  } else if (options.mode !== undefined && (st.mode & 0o7777) !== options.mode) {
    await fs.promises.chmod(real, options.mode);
    notes.push(`mode ${formatMode(st.mode)} -> ${formatMode(options.mode)}`);
  }
  const own = await applyOwner(real, st, options);
  if (own) notes.push(own);
  return { changed: notes.length > 0, notes };
}

async function makeParents(dir: string): Promise<void> {
  const missing: string[] = [];
  let d = dir;
  while (!(await lstatOrUndefined(d))) {
    missing.unshift(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing) {
    await fs.promises.mkdir(m);
    await fs.promises.chmod(m, 0o755);
  }
}

async function applyOwner(real: string, st: fs.Stats, own: Ownership): Promise<string | undefined> {
  const uid = own.uid ?? st.uid;
  const gid = own.gid ?? st.gid;
  if (uid === st.uid && gid === st.gid) return undefined;
  await fs.promises.chown(real, uid, gid);
  return `owner ${st.uid}:${st.gid} -> ${uid}:${gid}`;
}

/** Set permission bits (a final link is followed inside the root, as chmod(1) does). */
export async function ensureMode(root: RootPath, hostPath: string, mode: number): Promise<EnsureResult> {
  const real = await resolveInRoot(root, hostPath, true);
  const st = await lstatOrUndefined(real);
  if (!st) throw new HostError(`no such file or directory: ${hostPath}`);
  if ((st.mode & 0o7777) === mode) return { changed: false, notes: [] };
  await fs.promises.chmod(real, mode);
  return { changed: true, notes: [`mode ${formatMode(st.mode)} -> ${formatMode(mode)}`] };
}

/** Set owner and/or group (a final link is followed inside the root, as chown(1) does). */
export async function ensureOwner(root: RootPath, hostPath: string, own: Ownership): Promise<EnsureResult> {
  const real = await resolveInRoot(root, hostPath, true);
  const st = await lstatOrUndefined(real);
  if (!st) throw new HostError(`no such file or directory: ${hostPath}`);
  const note = await applyOwner(real, st, own);
  return { changed: note !== undefined, notes: note ? [note] : [] };
}

export interface EnsureSymlinkResult extends EnsureResult {
  /** What the path held before: undefined when nothing. */
  previous: { type: PathType; target?: string } | undefined;
}

/**
 * Make `hostPath` a symlink to `target` (stored as given). An existing link or regular file is
 * replaced atomically (new link under a temp name, then rename), like `ln -sfn`; a directory is
 * refused, because replacing it would drop its whole contents.
 */
export async function ensureSymlink(
  root: RootPath,
  hostPath: string,
  target: string,
): Promise<EnsureSymlinkResult> {
  const real = await resolveInRoot(root, hostPath, false);
  const st = await lstatOrUndefined(real);
  let previous: EnsureSymlinkResult['previous'];
  if (st) {
    if (st.isDirectory()) throw new HostError(`is a directory, not replaced by a link: ${hostPath}`);
    if (st.isSymbolicLink()) {
      const current = await fs.promises.readlink(real);
      if (current === target) return { changed: false, notes: [], previous: { type: 'symlink', target } };
      previous = { type: 'symlink', target: current };
    } else {
      previous = { type: typeOf(st) };
    }
  } else {
    await requireParentDir(real, hostPath);
  }
  const dir = path.dirname(real);
  const tmp = path.join(dir, `.${path.basename(real)}.aios-${randomBytes(6).toString('hex')}.lnk`);
  await fs.promises.symlink(target, tmp);
  try {
    await fs.promises.rename(tmp, real);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dir);
  const note = previous
    ? previous.type === 'symlink'
      ? `replaced link (was -> ${previous.target})`
      : `replaced ${previous.type}`
    : 'created';
  return { changed: true, notes: [note], previous };
}

export interface RemoveResult extends EnsureResult {
  type: PathType | undefined;
}

/** The first directory under `dir` (links not followed) on another device than `dev`. */
async function findMountPoint(dir: string, dev: number): Promise<string | undefined> {
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop() as string;
    for (const entry of await fs.promises.readdir(d, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const child = path.join(d, entry.name);
      const st = await fs.promises.lstat(child);
      if (st.dev !== dev) return child;
      stack.push(child);
    }
  }
  return undefined;
}

/** Remove a file, a link (never what it points to) or, with `recursive`, a directory tree. */
export async function removePath(
  root: RootPath,
  hostPath: string,
  recursive: boolean,
): Promise<RemoveResult> {
  const real = await resolveInRoot(root, hostPath, false);
  if (real === root.root || path.posix.normalize(hostPath) === '/') {
    throw new HostError('refusing to remove the root directory');
  }
  const st = await lstatOrUndefined(real);
  if (!st) return { changed: false, notes: ['already absent'], type: undefined };
  const type = typeOf(st);
  if (st.isDirectory()) {
    if (recursive) {
      // Like `rm -r --one-file-system`, but checked before anything is deleted: a tree holding a
      // mount point (a bind-mounted /home in a chroot, /proc) is refused as a whole.
      const mount = await findMountPoint(real, st.dev);
      if (mount)
        throw new HostError(`refusing to remove ${hostPath}: ${root.host(mount)} is a mount point inside it`);
      await fs.promises.rm(real, { recursive: true, force: false });
    } else {
      try {
        await fs.promises.rmdir(real);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOTEMPTY') {
          throw new HostError(`directory not empty (pass recursive: true to remove it all): ${hostPath}`);
        }
        throw e;
      }
    }
  } else {
    await fs.promises.unlink(real);
  }
  await fsyncDir(path.dirname(real));
  return { changed: true, notes: [`removed ${type}`], type };
}
