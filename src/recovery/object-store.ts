// Content-addressed objects (sha256 of the contents), written once and verified whenever read.
// Small objects (<= 1 MiB: nearly everything in /etc) are appended to ONE pack file per snapshot
// (packs/<name>.pack) and located through the `objects` table of the store's index db; bigger ones
// are loose files (objects/xx/<sha256>) streamed in 1 MiB chunks. Creating thousands of small files
// costs far more than reading them (see bench/snapshot/README.md), and one pack needs one fsync.
// Visibility: a packed object exists only once its row is committed, in the same transaction as
// the snapshot that references it (`commitPending`), so a killed writer leaves an orphan pack that
// the next writer deletes, never a row pointing at torn bytes. This module deletes only what GC
// names.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { HostError } from '../errors.js';
import { fsyncDir } from '../host/atomic-write.js';
import type { ProcessRunner } from '../host/process-runner.js';

const CHUNK = 1 << 20;
/** Objects up to this size go into packs; larger ones stay loose files. */
export const PACK_MAX = 1 << 20;
/** Below this many new loose objects, fsync each (in parallel); above, one syncfs. */
const SYNC_EACH_MAX = 64;

interface Location {
  pack: string;
  offset: number;
  length: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS objects (
  hash TEXT PRIMARY KEY,
  pack TEXT NOT NULL,
  offset INTEGER NOT NULL,
  length INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS objects_pack ON objects(pack);
`;

export class ObjectStore {
  readonly objectsDir: string;
  readonly packsDir: string;
  readonly tmpDir: string;
  /** Loose objects written since the last flush: not durable yet. */
  private pendingLoose: string[] = [];
  /** Packed objects written to the open pack but not committed (no row yet). */
  private pendingPacked = new Map<string, Location>();
  private pack: { name: string; fd: number; size: number } | undefined;
  private readonly readFds = new Map<string, number>();
  private readonly lookup: Database.Statement;

  constructor(
    readonly dir: string,
    private readonly db: Database.Database,
    private readonly runner: ProcessRunner,
  ) {
    this.objectsDir = path.join(dir, 'objects');
    this.packsDir = path.join(dir, 'packs');
    this.tmpDir = path.join(dir, 'tmp');
    db.exec(SCHEMA);
    this.lookup = db.prepare('SELECT pack, offset, length FROM objects WHERE hash = ?');
  }

  /** Create the layout once; drop temp files and packs a killed writer left (no row names them). */
  init(): void {
    fs.mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.packsDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.objectsDir, { recursive: true, mode: 0o700 });
    for (const name of fs.readdirSync(this.tmpDir)) fs.rmSync(path.join(this.tmpDir, name), { force: true });
  }

  /** Delete pack files no committed row references (a writer killed before its commit). */
  removeOrphanPacks(): number {
    const used = new Set(
      (this.db.prepare('SELECT DISTINCT pack FROM objects').all() as { pack: string }[]).map((r) => r.pack),
    );
    let n = 0;
    for (const name of fs.readdirSync(this.packsDir)) {
      if (this.pack?.name === name || used.has(name)) continue;
      this.closeReader(name);
      fs.rmSync(path.join(this.packsDir, name), { force: true });
      n++;
    }
    return n;
  }

  loosePath(hash: string): string {
    return path.join(this.objectsDir, hash.slice(0, 2), hash);
  }

  private locate(hash: string): Location | undefined {
    return this.pendingPacked.get(hash) ?? (this.lookup.get(hash) as Location | undefined);
  }

  has(hash: string): boolean {
    return this.locate(hash) !== undefined || fs.existsSync(this.loosePath(hash));
  }

  isLoose(hash: string): boolean {
    return this.locate(hash) === undefined;
  }

  /** Rename a finished temp file into place as a loose object (fan-out dirs made on demand). */
  private moveLoose(tmp: string, hash: string): void {
    const dest = this.loosePath(hash);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.renameSync(tmp, dest);
    this.pendingLoose.push(dest);
  }

  private tmpName(): string {
    return path.join(this.tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  /** Store a buffer; returns its hash. Existing objects are not written again. */
  putBuffer(data: Buffer, knownHash?: string): string {
    const hash = knownHash ?? createHash('sha256').update(data).digest('hex');
    // Small contents are only ever packed, so no loose-file lookup (a syscall) for them.
    if (data.length <= PACK_MAX ? this.locate(hash) !== undefined : this.has(hash)) return hash;
    if (data.length <= PACK_MAX) {
      if (!this.pack) {
        const name = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}.pack`;
        this.pack = { name, fd: fs.openSync(path.join(this.packsDir, name), 'wx', 0o400), size: 0 };
      }
      fs.writeSync(this.pack.fd, data, 0, data.length, this.pack.size);
      this.pendingPacked.set(hash, { pack: this.pack.name, offset: this.pack.size, length: data.length });
      this.pack.size += data.length;
      return hash;
    }
    const tmp = this.tmpName();
    fs.writeFileSync(tmp, data, { mode: 0o400 });
    this.moveLoose(tmp, hash);
    return hash;
  }

  /** Store a complete file (e.g. a SQLite backup) and remove it. */
  adoptFile(file: string): { hash: string; size: number } {
    const size = fs.statSync(file).size;
    if (size <= PACK_MAX) {
      const data = fs.readFileSync(file);
      fs.rmSync(file, { force: true });
      return { hash: this.putBuffer(data), size };
    }
    const { hash } = hashFileSync(file);
    if (this.has(hash)) fs.rmSync(file, { force: true });
    else {
      fs.chmodSync(file, 0o400);
      this.moveLoose(file, hash);
    }
    return { hash, size };
  }

  /** Hash a large live file while copying it into a loose object in one pass. */
  putFileStreaming(source: string | Buffer): { hash: string; size: number } {
    const tmp = this.tmpName();
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    let size = 0;
    const inFd = fs.openSync(source, 'r');
    let outFd: number | undefined;
    try {
      outFd = fs.openSync(tmp, 'wx', 0o400);
      for (;;) {
        const n = fs.readSync(inFd, buf, 0, CHUNK, null);
        if (n === 0) break;
        h.update(buf.subarray(0, n));
        fs.writeSync(outFd, buf, 0, n);
        size += n;
      }
    } finally {
      fs.closeSync(inFd);
      if (outFd !== undefined) fs.closeSync(outFd);
    }
    const hash = h.digest('hex');
    if (this.has(hash)) {
      fs.rmSync(tmp, { force: true });
      return { hash, size };
    }
    if (size <= PACK_MAX) {
      // A file that shrank between lstat and read: keep the invariant that small objects are packed.
      const data = fs.readFileSync(tmp);
      fs.rmSync(tmp, { force: true });
      return { hash: this.putBuffer(data, hash), size };
    }
    this.moveLoose(tmp, hash);
    return { hash, size };
  }

  private readerFor(pack: string): number {
    let fd = this.readFds.get(pack);
    if (fd === undefined) {
      fd = fs.openSync(path.join(this.packsDir, pack), 'r');
      this.readFds.set(pack, fd);
    }
    return fd;
  }

  private closeReader(pack: string): void {
    const fd = this.readFds.get(pack);
    if (fd !== undefined) fs.closeSync(fd);
    this.readFds.delete(pack);
  }

  /** Bytes of an object, unverified (callers hash them). */
  private raw(hash: string): Buffer {
    const loc = this.locate(hash);
    if (!loc) return fs.readFileSync(this.loosePath(hash));
    const buf = Buffer.allocUnsafe(loc.length);
    const n = fs.readSync(this.readerFor(loc.pack), buf, 0, loc.length, loc.offset);
    if (n !== loc.length) throw new Error('short read');
    return buf;
  }

  /** Read and verify an object; throws HostError when it is missing or does not match its name. */
  get(hash: string): Buffer {
    let data: Buffer;
    try {
      data = this.raw(hash);
    } catch (e) {
      throw new HostError(`snapshot object ${hash.slice(0, 12)} is missing: ${(e as Error).message}`);
    }
    if (createHash('sha256').update(data).digest('hex') !== hash) {
      throw new HostError(`snapshot object ${hash.slice(0, 12)} is corrupt`);
    }
    return data;
  }

  /** Rehash an object; false when missing or corrupt. */
  check(hash: string): boolean {
    try {
      if (this.isLoose(hash)) return hashFileSync(this.loosePath(hash)).hash === hash;
      return createHash('sha256').update(this.raw(hash)).digest('hex') === hash;
    } catch {
      return false;
    }
  }

  /** Make everything written since the last flush durable: one fsync for the pack, then loose files. */
  async flush(): Promise<void> {
    if (this.pack) {
      fs.fsyncSync(this.pack.fd);
      fs.closeSync(this.pack.fd);
      this.pack = undefined;
      await fsyncDir(this.packsDir);
    }
    const files = this.pendingLoose;
    this.pendingLoose = [];
    if (files.length === 0) return;
    if (files.length > SYNC_EACH_MAX) {
      const r = await this.runner(['sync', '-f', this.objectsDir], { timeoutMs: 120_000 });
      if (r.exitCode === 0) return;
    }
    await Promise.all(
      files.map(async (f) => {
        const h = await fs.promises.open(f, 'r');
        try {
          await h.sync();
        } finally {
          await h.close();
        }
      }),
    );
    await Promise.all([...new Set(files.map((f) => path.dirname(f)))].map((d) => fsyncDir(d)));
  }

  /** Insert the rows of the flushed pack; call inside the snapshot's transaction. */
  commitPending(): void {
    if (this.pendingPacked.size === 0) return;
    const ins = this.db.prepare(
      'INSERT OR IGNORE INTO objects (hash, pack, offset, length) VALUES (?, ?, ?, ?)',
    );
    for (const [hash, l] of this.pendingPacked) ins.run(hash, l.pack, l.offset, l.length);
    this.pendingPacked.clear();
  }

  /** Forget uncommitted work (the snapshot failed before its commit): the pack becomes an orphan. */
  abandonPending(): void {
    if (this.pack) {
      fs.closeSync(this.pack.fd);
      // No row names it yet, so nothing can read it: remove it now rather than at the next recovery.
      if (this.pendingPacked.size > 0) fs.rmSync(path.join(this.packsDir, this.pack.name), { force: true });
      this.pack = undefined;
    }
    this.pendingPacked.clear();
    this.pendingLoose = [];
  }

  /** Every stored object hash: committed packed rows plus loose files. */
  list(): string[] {
    const out = (this.db.prepare('SELECT hash FROM objects').all() as { hash: string }[]).map((r) => r.hash);
    for (const fan of fs.existsSync(this.objectsDir) ? fs.readdirSync(this.objectsDir) : []) {
      for (const name of fs.readdirSync(path.join(this.objectsDir, fan))) {
        if (/^[0-9a-f]{64}$/.test(name)) out.push(name);
      }
    }
    return out;
  }

  /**
   * Drop every object not in `keep`. Loose files are unlinked; packed rows are deleted in one
   * transaction, then packs with no rows are unlinked and packs that are mostly garbage are
   * rewritten (new pack durable -> rows moved in one transaction -> old pack unlinked). Each step
   * leaves a valid store if killed; leftovers are orphan packs, removed by the next writer.
   */
  async sweep(keep: Set<string>): Promise<number> {
    let removed = 0;
    for (const fan of fs.existsSync(this.objectsDir) ? fs.readdirSync(this.objectsDir) : []) {
      for (const name of fs.readdirSync(path.join(this.objectsDir, fan))) {
        if (/^[0-9a-f]{64}$/.test(name) && !keep.has(name)) {
          fs.rmSync(path.join(this.objectsDir, fan, name), { force: true });
          removed++;
        }
      }
    }
    const rows = this.db.prepare('SELECT hash, pack, offset, length FROM objects').all() as (Location & {
      hash: string;
    })[];
    const dead = rows.filter((r) => !keep.has(r.hash));
    if (dead.length > 0) {
      const del = this.db.prepare('DELETE FROM objects WHERE hash = ?');
      this.db.transaction(() => {
        for (const r of dead) del.run(r.hash);
      })();
      removed += dead.length;
    }
    const packs = new Map<string, { live: number; dead: number }>();
    for (const r of rows) {
      const p = packs.get(r.pack) ?? { live: 0, dead: 0 };
      if (keep.has(r.hash)) p.live += r.length;
      else p.dead += r.length;
      packs.set(r.pack, p);
    }
    for (const [pack, p] of packs) {
      if (p.dead === 0) continue;
      if (p.live === 0 || p.dead > p.live) await this.repack(pack);
    }
    this.removeOrphanPacks();
    return removed;
  }

  private async repack(pack: string): Promise<void> {
    const rows = this.db.prepare('SELECT hash FROM objects WHERE pack = ?').all(pack) as { hash: string }[];
    if (rows.length > 0) {
      const moved = new Map<string, Location>();
      for (const { hash } of rows) {
        const data = this.get(hash);
        // putBuffer skips objects it can find, so write straight into the new pack.
        if (!this.pack) {
          const name = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}.pack`;
          this.pack = { name, fd: fs.openSync(path.join(this.packsDir, name), 'wx', 0o400), size: 0 };
        }
        fs.writeSync(this.pack.fd, data, 0, data.length, this.pack.size);
        moved.set(hash, { pack: this.pack.name, offset: this.pack.size, length: data.length });
        this.pack.size += data.length;
      }
      await this.flush();
      const upd = this.db.prepare('UPDATE objects SET pack = ?, offset = ?, length = ? WHERE hash = ?');
      this.db.transaction(() => {
        for (const [hash, l] of moved) upd.run(l.pack, l.offset, l.length, hash);
      })();
    }
    this.closeReader(pack);
    fs.rmSync(path.join(this.packsDir, pack), { force: true });
  }

  close(): void {
    this.abandonPending();
    for (const fd of this.readFds.values()) fs.closeSync(fd);
    this.readFds.clear();
  }
}

export function hashFileSync(file: string | Buffer): { hash: string; size: number } {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let size = 0;
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      size += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { hash: h.digest('hex'), size };
}
