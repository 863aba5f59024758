// The files of data_dir/cache (the spec cache, decision 180; the content notes, decision 183): one
// per key, private, written without fsync, read only when trustworthy. What they hold decides what
// a run parses or reads, so a file another user could have written is ignored; what they hold is
// also only ever a shortcut, so anything unreadable is simply absent and a failed write is silent.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** `data_dir/cache/<kind>-<hash of what it is for>.v8`: one file per specs dir, per root, ... */
export function privateCachePath(dataDir: string, kind: string, forPath: string): string {
  const key = createHash('sha256').update(path.resolve(forPath)).digest('hex').slice(0, 16);
  return path.join(dataDir, 'cache', `${kind}-${key}.v8`);
}

/**
 * The file's bytes, if it is a regular file (not a link) this user owns and nobody else can
 * write; undefined otherwise, and when it is absent or unreadable.
 */
export function readPrivateCache(file: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    const st = fs.fstatSync(fd);
    const uid = process.geteuid?.() ?? st.uid;
    if (!st.isFile() || st.uid !== uid || (st.mode & 0o022) !== 0) return undefined;
    return fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Temp file (0600, in a 0700 dir) and rename, without fsync: a cache lost or torn by a crash only
 * costs the next run its shortcut, which is not worth a disk flush. True when written; never throws
 * (a read-only or full data_dir costs speed only).
 */
export function writePrivateCache(file: string, data: Uint8Array): boolean {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
    return true;
  } catch {
    fs.rmSync(tmp, { force: true });
    return false;
  }
}
