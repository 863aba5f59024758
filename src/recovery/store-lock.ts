// One writer at a time per store (snapshot, delete, GC, restore), across processes: a lock file made
// with O_EXCL holding the owner's pid. A lock whose pid is dead (kill -9) is stale and taken over,
// which is what lets the next run clean up after a killed one. Within one process calls queue.
import fs from 'node:fs';
import { HostError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class StoreLock {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly timeoutMs = 120_000,
  ) {}

  /** Run fn holding the lock; `stale` tells it a previous holder died mid-work. */
  async with<T>(fn: (stale: boolean) => Promise<T>): Promise<T> {
    const prev = this.queue;
    let release!: () => void;
    this.queue = new Promise((r) => {
      release = r;
    });
    await prev;
    try {
      const stale = await this.acquire();
      try {
        return await fn(stale);
      } finally {
        fs.rmSync(this.file, { force: true });
      }
    } finally {
      release();
    }
  }

  private async acquire(): Promise<boolean> {
    const deadline = Date.now() + this.timeoutMs;
    let stale = false;
    for (;;) {
      try {
        const fd = fs.openSync(this.file, 'wx', 0o600);
        fs.writeSync(fd, String(process.pid));
        fs.closeSync(fd);
        return stale;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let pid = Number.NaN;
      try {
        pid = Number.parseInt(fs.readFileSync(this.file, 'utf8'), 10);
      } catch {
        continue; // removed between our open and read: try again
      }
      if (!Number.isFinite(pid) || pid <= 0 || (pid !== process.pid && !alive(pid))) {
        // An empty file is a writer killed between create and write; a dead pid is a kill -9.
        const age = Date.now() - (fs.statSync(this.file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
        if (Number.isFinite(pid) || age > 2000) {
          fs.rmSync(this.file, { force: true });
          stale = true;
          continue;
        }
      }
      if (Date.now() > deadline) {
        throw new HostError(`snapshot store is busy (locked by pid ${pid}): ${this.file}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
