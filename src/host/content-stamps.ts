// What observe already knows about managed files' contents (decision 183). When aios reads a file
// and finds it equal to what a spec wants, it notes the file's identity (device, inode, size, mtime,
// ctime) with a digest of those contents. The next run takes a file whose identity is unchanged as
// still equal, without reading it: the check git's index makes for `git status`. Any write to the
// file changes its ctime, which no program can set back; a replaced file has a new inode.
//
// Two guards keep it honest:
// - racy entries are never trusted: if the file changed within RACY_MS (or, on a file system with
//   whole-second times, 2 s) of the moment it was read, a later change could carry the same times,
//   so such a file is read again until it has been still long enough;
// - the digest is of the contents the spec wants now, so a changed spec reads the file again.
// Sensitive resources are never noted (a digest of a short secret could be brute-forced), and a
// `full` check (`aios diff --full`, the daemon's hourly pass) ignores every note.
// It holds no file contents, and a torn, foreign or missing cache file is just empty.
import crypto, { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { privateCachePath, readPrivateCache, writePrivateCache } from './private-cache.js';

/** A file changed this recently before it was read may change again with the same times. */
export const RACY_MS = 100;
const COARSE_RACY_MS = 2000;
const FORMAT = 1;

/** [dev, ino, size, mtimeMs, ctimeMs, digest, readAtMs] */
type Note = [number, number, number, number, number, string, number];

export interface StatLike {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export class ContentStamps {
  private changed = false;

  private constructor(
    private readonly notes: Map<string, Note>,
    /** Ignore every note (but still take new ones): a full check reads every file. */
    public full: boolean,
  ) {}

  static empty(full = false): ContentStamps {
    return new ContentStamps(new Map(), full);
  }

  /** True when `real` is known to hold exactly `content` without reading it. */
  knownSame(real: string, st: StatLike, content: string): boolean {
    if (this.full) return false;
    const n = this.notes.get(real);
    if (!n) return false;
    if (
      n[0] !== st.dev ||
      n[1] !== st.ino ||
      n[2] !== st.size ||
      n[3] !== st.mtimeMs ||
      n[4] !== st.ctimeMs
    ) {
      return false;
    }
    if (racy(n)) return false;
    return n[5] === digest(content);
  }

  /** `real` was just read and holds exactly `content`. */
  noteSame(real: string, st: StatLike, content: string, readAtMs = Date.now()): void {
    const n = this.notes.get(real);
    const d = digest(content);
    if (
      n &&
      n[0] === st.dev &&
      n[1] === st.ino &&
      n[2] === st.size &&
      n[3] === st.mtimeMs &&
      n[4] === st.ctimeMs &&
      n[5] === d &&
      !racy(n)
    ) {
      return;
    }
    this.notes.set(real, [st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs, d, readAtMs]);
    this.changed = true;
  }

  /** The file differs, is gone, or is sensitive: whatever was noted about it no longer holds. */
  forget(real: string): void {
    if (this.notes.delete(real)) this.changed = true;
  }

  /** Loads the notes for one root; anything unreadable is an empty set of notes. */
  static load(file: string, full = false): ContentStamps {
    const bytes = readPrivateCache(file);
    if (!bytes) return ContentStamps.empty(full);
    try {
      const data = deserialize(bytes) as { format?: unknown; notes?: unknown } | null;
      if (!data || data.format !== FORMAT || !(data.notes instanceof Map)) return ContentStamps.empty(full);
      return new ContentStamps(data.notes as Map<string, Note>, full);
    } catch {
      return ContentStamps.empty(full);
    }
  }

  /**
   * Writes the notes when this run changed them. Temp file and rename, no fsync: lost notes only
   * mean reading the files again. Notes of files no spec manages any more stay (about 80 bytes
   * each) and simply never match again. Never throws.
   */
  save(file: string): void {
    if (!this.changed) return;
    if (writePrivateCache(file, serialize({ format: FORMAT, notes: this.notes }))) this.changed = false;
  }
}

/** The notes file for one managed root, beside the spec cache in data_dir. */
export function contentStampsPath(dataDir: string, root: string): string {
  return privateCachePath(dataDir, 'content', root);
}

function racy(n: Note): boolean {
  const changedAt = Math.max(n[3], n[4]);
  // Whole-second times (ext4 with small inodes, some network file systems): two changes within a
  // second look alike, so the margin is two seconds there.
  const margin = n[4] % 1000 === 0 && n[3] % 1000 === 0 ? COARSE_RACY_MS : RACY_MS;
  return n[6] - changedAt < margin;
}

const oneShot = (crypto as unknown as { hash?: (a: string, d: string, e: 'hex') => string }).hash;
function digest(content: string): string {
  return oneShot ? oneShot('sha1', content, 'hex') : createHash('sha1').update(content).digest('hex');
}
