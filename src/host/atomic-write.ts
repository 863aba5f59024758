// Atomic file replacement (ARCHITECTURE.md §6): temp file in the same directory, fsync, rename,
// fsync the directory. Keeps the existing mode/owner unless told otherwise.
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
  await fsyncDir(dir);
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
