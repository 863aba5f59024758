// Atomic file replacement (ARCHITECTURE.md §6): temp file in the same directory, fsync, rename,
// fsync the directory. Keeps the existing mode/owner unless told otherwise. Writers that finish at
// the same time in one directory share its fsync (group commit, see syncDirAfter): a first apply
// writes hundreds of files into one directory, and one fsync after all their renames makes every
// one of them durable.
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
  const tmp = path.join(dir, `.${path.basename(file)}.aios-${randomBytes(6).toString('hex')}.tmp`);
  let existing: fs.Stats | undefined;
  try {
    existing = await fs.promises.lstat(file);
  } catch {
    existing = undefined;
  }
  const mode = options.mode ?? (existing?.isFile() ? existing.mode & 0o7777 : 0o644);
  const handle = await fs.promises.open(tmp, 'wx', mode);
  try {
    try {
      await handle.writeFile(data);
      await handle.chmod(mode); // umask must not narrow the requested mode
      const uid = options.uid ?? existing?.uid;
      const gid = options.gid ?? existing?.gid;
      if (uid !== undefined || gid !== undefined) {
        await handle.chown(uid ?? -1, gid ?? -1);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.validate) await options.validate(tmp);
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await syncDirAfter(dir);
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
  let h: fs.promises.FileHandle | undefined;
  try {
    h = await fs.promises.open(dir, 'r');
    await h.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic there.
  } finally {
    await h?.close();
  }
}
