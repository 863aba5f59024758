// The durable notify queue: when a resource changes, the services it notifies are written here
// (atomically) before anything else happens, and removed only after their restart/reload ran. A
// crash between the change and the restart therefore restarts on the next run. Holds ids only,
// never contents.
import fs from 'node:fs';
import path from 'node:path';
import { atomicWrite } from '../host/atomic-write.js';
import type { ResourceId } from '../types.js';

export interface PendingNotify {
  target: ResourceId;
  /** Resources whose change caused it. */
  from: ResourceId[];
  since: string;
}

export class NotifyQueue {
  private items = new Map<ResourceId, PendingNotify>();

  /** Saves run one after another, so an older state can never land after a newer one. */
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string | undefined,
    private readonly readOnly: boolean,
  ) {}

  /**
   * Load the queue from `file` (missing or unreadable: empty). Without a file it lives in memory;
   * read-only (dry runs) it reads the file but never writes it.
   */
  static async open(file: string | undefined, opts: { readOnly?: boolean } = {}): Promise<NotifyQueue> {
    const q = new NotifyQueue(file, opts.readOnly === true);
    if (!file) return q;
    try {
      const data = JSON.parse(await fs.promises.readFile(file, 'utf8')) as { pending?: PendingNotify[] };
      for (const p of data.pending ?? []) {
        if (typeof p.target === 'string') q.items.set(p.target, { ...p, from: [...(p.from ?? [])] });
      }
    } catch {
      // No queue yet (or a torn one from an old version): nothing pending.
    }
    return q;
  }

  list(): PendingNotify[] {
    return [...this.items.values()];
  }

  has(target: ResourceId): boolean {
    return this.items.has(target);
  }

  /** Queue `targets` because `from` changed, and persist before returning. */
  async add(targets: ResourceId[], from: ResourceId, now = new Date()): Promise<void> {
    if (targets.length === 0) return;
    for (const t of targets) {
      const p = this.items.get(t) ?? { target: t, from: [], since: now.toISOString() };
      if (!p.from.includes(from)) p.from.push(from);
      this.items.set(t, p);
    }
    await this.save();
  }

  async remove(target: ResourceId): Promise<void> {
    if (this.items.delete(target)) await this.save();
  }

  private save(): Promise<void> {
    const file = this.file;
    if (!file || this.readOnly) return Promise.resolve();
    const next = this.saving.then(async () => {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      const body = `${JSON.stringify({ version: 1, pending: this.list() }, null, 2)}\n`;
      await atomicWrite(file, body, { mode: 0o600 });
    });
    // A failed save must surface to its caller, not poison every later save.
    this.saving = next.catch(() => undefined);
    return next;
  }
}
