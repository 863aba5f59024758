// Content-addressed objects: objects/<2 hex>/<sha256>, written once through a temp file and a rename,
// made durable in one batched pass (`flush`) before any snapshot that references them becomes
// visible, and verified against their name whenever they are read. Objects are never modified;
// this module never deletes an object unless the caller (GC) names it.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HostError } from '../errors.js';
import { fsyncDir } from '../host/atomic-write.js';
import type { ProcessRunner } from '../host/process-runner.js';

const CHUNK = 1 << 20;
/** Below this many new objects, fsync each one (libuv threads, in parallel); above, one syncfs. */
const SYNC_EACH_MAX = 64;

export class ObjectStore {
  readonly objectsDir: string;
  readonly tmpDir: string;
  /** Objects written since the last flush: they are not durable yet. */
  private pending: string[] = [];

  constructor(
    readonly dir: string,
    private readonly runner: ProcessRunner,
  ) {
    this.objectsDir = path.join(dir, 'objects');
    this.tmpDir = path.join(dir, 'tmp');
  }

  /** Create the layout (256 fan-out dirs once) and drop temp files a killed writer left behind. */
  init(): void {
    fs.mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
    if (!fs.existsSync(path.join(this.objectsDir, 'ff'))) {
      for (let i = 0; i < 256; i++) {
        fs.mkdirSync(path.join(this.objectsDir, i.toString(16).padStart(2, '0')), { recursive: true });
      }
    }
    for (const name of fs.readdirSync(this.tmpDir)) fs.rmSync(path.join(this.tmpDir, name), { force: true });
  }

  pathOf(hash: string): string {
    return path.join(this.objectsDir, hash.slice(0, 2), hash);
  }

  has(hash: string): boolean {
    return fs.existsSync(this.pathOf(hash));
  }

  private tmpName(): string {
    return path.join(this.tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
  }

  /** Store a buffer; returns its hash. Existing objects are not rewritten. */
  putBuffer(data: Buffer, knownHash?: string): string {
    const hash = knownHash ?? createHash('sha256').update(data).digest('hex');
    const dest = this.pathOf(hash);
    if (fs.existsSync(dest)) return hash;
    const tmp = this.tmpName();
    fs.writeFileSync(tmp, data, { mode: 0o400 });
    fs.renameSync(tmp, dest);
    this.pending.push(dest);
    return hash;
  }

  /** Store a file that is already complete on disk (e.g. a SQLite backup), moving it in. */
  adoptFile(file: string): { hash: string; size: number } {
    const { hash, size } = hashFileSync(file);
    const dest = this.pathOf(hash);
    if (fs.existsSync(dest)) fs.rmSync(file, { force: true });
    else {
      fs.chmodSync(file, 0o400);
      fs.renameSync(file, dest);
      this.pending.push(dest);
    }
    return { hash, size };
  }

  /**
   * Hash a live file while copying it into a temp object in one pass (large files), then keep it
   * only if no object with that hash exists yet.
   */
  putFileStreaming(source: Buffer): { hash: string; size: number } {
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
    const dest = this.pathOf(hash);
    if (fs.existsSync(dest)) fs.rmSync(tmp, { force: true });
    else {
      fs.renameSync(tmp, dest);
      this.pending.push(dest);
    }
    return { hash, size };
  }

  /** Read and verify an object; throws HostError when it is missing or does not match its name. */
  get(hash: string): Buffer {
    let data: Buffer;
    try {
      data = fs.readFileSync(this.pathOf(hash));
    } catch (e) {
      throw new HostError(`snapshot object ${hash.slice(0, 12)} is missing: ${(e as Error).message}`);
    }
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== hash) throw new HostError(`snapshot object ${hash.slice(0, 12)} is corrupt`);
    return data;
  }

  /** Rehash an object on disk (streaming); false when missing or corrupt. */
  check(hash: string): boolean {
    try {
      return hashFileSync(this.pathOf(hash)).hash === hash;
    } catch {
      return false;
    }
  }

  /** Make every object written since the last flush durable: one pass, before the index commit. */
  async flush(): Promise<void> {
    const files = this.pending;
    this.pending = [];
    if (files.length === 0) return;
    if (files.length > SYNC_EACH_MAX) {
      // syncfs(2) on the store's file system: one call instead of thousands of fsyncs.
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

  /** Every stored object hash (for GC and verify). */
  list(): string[] {
    const out: string[] = [];
    for (const fan of fs.readdirSync(this.objectsDir)) {
      for (const name of fs.readdirSync(path.join(this.objectsDir, fan))) {
        if (/^[0-9a-f]{64}$/.test(name)) out.push(name);
      }
    }
    return out;
  }

  remove(hash: string): void {
    fs.rmSync(this.pathOf(hash), { force: true });
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
