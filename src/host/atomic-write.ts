// Atomic file replacement (ARCHITECTURE.md §6): temp file in the same directory, fsync, rename,
// fsync the directory. Keeps the existing mode/owner unless told otherwise. Writers that finish at
// the same time in one directory share its fsync (group commit, see syncDirAfter): a first apply
// writes hundreds of files into one directory, and one fsync after all their renames makes every
// one of them durable. The cheap steps (lstat, create, write, chmod, chown, close, rename) are
// synchronous calls and only the fsyncs go to libuv's thread pool (decision 176): the pool has 4
// threads, and every other step queued behind fsyncs there cost more than doing it in place. Durability
// is unchanged: each file is fsynced before its rename, its directory after.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface AtomicWriteOptions {
  mode?: number;
  uid?: number;
  gid?: number;
  /** Called with the temp path before the rename; throw to abort (e.g. `nginx -t -c %s`). */
  validate?: (tempPath: string) => Promise<void>;
}

export async function atomicWrite(
  file: string,
  data: string | Buffer,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.aios-${tempTag()}.tmp`);
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(file, { throwIfNoEntry: false });
  } catch {
    existing = undefined;
  }
  const mode = options.mode ?? (existing?.isFile() ? existing.mode & 0o7777 : 0o644);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    try {
      writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fs.fchmodSync(fd, mode); // umask must not narrow the requested mode
      const uid = options.uid ?? existing?.uid;
      const gid = options.gid ?? existing?.gid;
      if (uid !== undefined || gid !== undefined) {
        fs.fchownSync(fd, uid ?? -1, gid ?? -1);
      }
      await fsyncFd(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (options.validate) await options.validate(tmp);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  await syncDirAfter(dir);
}

/**
 * Hex, unique per process (a random prefix drawn once, then a counter) and across processes (48
 * random bits): `.NAME.aios-HEX.tmp` is the shape the daemon's watcher ignores. One random draw per
 * file was a visible cost of a first apply.
 */
let tempPrefix: string | undefined;
let tempCount = 0;
function tempTag(): string {
  tempPrefix ??= randomBytes(6).toString('hex');
  tempCount += 1;
  return `${tempPrefix}${tempCount.toString(16).padStart(4, '0')}`;
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

/** fsync(2) on the thread pool: the one step that waits for the disk. */
function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (e) => (e ? reject(e) : resolve())));
}

interface DirSync {
  /** The fsync in flight. */
  running: Promise<void>;
  /** The one that starts when `running` ends, shared by every caller that came while it ran. */
  next?: Promise<void>;
}

const dirSyncs = new Map<string, DirSync>();

/**
 * Resolves once an fsync of `dir` that STARTED after this call has finished, so a rename done
 * before the call is durable. Callers that arrive while one fsync runs share the next one instead
 * of queueing one each: N concurrent writers in a directory cost about two directory fsyncs, not N.
 */
export function syncDirAfter(dir: string): Promise<void> {
  const current = dirSyncs.get(dir);
  if (!current) {
    const entry: DirSync = {
      running: fsyncDir(dir).finally(() => {
        // Only the entry this fsync belongs to is cleared (a newer one may own the key by now).
        if (dirSyncs.get(dir) === entry && !entry.next) dirSyncs.delete(dir);
      }),
    };
    dirSyncs.set(dir, entry);
    return entry.running;
  }
  // The fsync in flight may have started before this caller's rename: wait for the next one.
  const again = (): Promise<void> => {
    if (dirSyncs.get(dir) === current) dirSyncs.delete(dir);
    return syncDirAfter(dir);
  };
  current.next ??= current.running.then(again, again);
  return current.next;
}

export async function fsyncDir(dir: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    await fsyncFd(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
