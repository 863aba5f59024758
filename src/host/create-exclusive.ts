// Creates a file under a root only if nothing is at its path, atomically and without ever replacing
// what is there: the content is written and synced to a temp file in the same directory, then
// link(2)ed to the final name, which fails with EEXIST instead of overwriting (rename would clobber).
// `aios init` uses it for the config and the example files it must never overwrite. Must not follow
// a final symlink (a dangling link at the path counts as "something is there").
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HostError } from '../errors.js';
import { fsyncDir } from './atomic-write.js';
import { lexists } from './fs-info.js';
import { resolveInRoot } from './fs-resolve.js';
import type { RootPath } from './root-path.js';

export interface CreateExclusiveOptions {
  mode: number;
  uid?: number | undefined;
  gid?: number | undefined;
}

/** True when the file was created; false when something already existed there (left untouched). */
export async function createFileExclusive(
  root: RootPath,
  hostPath: string,
  content: string | Buffer,
  options: CreateExclusiveOptions,
): Promise<boolean> {
  const real = await resolveInRoot(root, hostPath, false);
  // The common case (it exists) leaves no trace: no temp file, so the directory's mtime stays.
  if (await lexists(real)) return false;
  const dir = path.dirname(real);
  const tmp = path.join(dir, `.${path.basename(real)}.aios-${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.promises.open(tmp, 'wx', options.mode);
  try {
    try {
      await handle.writeFile(content);
      await handle.chmod(options.mode); // the umask must not narrow it
      if (options.uid !== undefined || options.gid !== undefined) {
        await handle.chown(options.uid ?? -1, options.gid ?? -1);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.promises.link(tmp, real);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new HostError(`cannot create ${hostPath}: ${(error as Error).message}`);
    }
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
  await fsyncDir(dir);
  return true;
}
