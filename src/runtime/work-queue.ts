// A coalescing work queue of resource ids, in the spirit of controller-runtime's: events only say
// *what* to look at; ten events for one id before it runs become one reconcile, and a storm of
// 10 000 events becomes a few batches. One batch runs at a time (applies are serialised); ids that
// fail are retried with exponential backoff.

export type BatchOutcome = Map<string, 'ok' | 'retry'>;

export interface WorkQueueOptions {
  /** Wait this long after the first event of a burst before running (coalesces editors' saves). */
  debounceMs: number;
  /** Retry delays grow from this... */
  baseRetryMs?: number;
  /** ...to at most this. */
  maxRetryMs?: number;
  onError?: (error: unknown) => void;
}

export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly failures = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly process: (ids: string[]) => Promise<BatchOutcome | undefined>,
    private readonly options: WorkQueueOptions,
  ) {}

  add(id: string): void {
    this.addAll([id]);
  }

  addAll(ids: Iterable<string>): void {
    if (this.stopped) return;
    for (const id of ids) this.pending.add(id);
    this.schedule(this.options.debounceMs);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Resolves when nothing is pending or running. */
  idle(): Promise<void> {
    if (!this.running && this.pending.size === 0 && !this.timer) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop taking work; the batch in flight finishes. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    await this.running;
    this.notifyIdle();
  }

  private schedule(delay: number): void {
    if (this.timer || this.running || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.runBatch().finally(() => {
        this.running = undefined;
        if (this.pending.size > 0 && !this.stopped) this.schedule(this.options.debounceMs);
        else this.notifyIdle();
      });
    }, delay);
  }

  private async runBatch(): Promise<void> {
    const ids = [...this.pending].sort();
    this.pending.clear();
    let outcome: BatchOutcome | undefined;
    try {
      outcome = await this.process(ids);
    } catch (error) {
      this.options.onError?.(error);
      outcome = new Map(ids.map((id) => [id, 'retry' as const]));
    }
    for (const id of ids) {
      if (outcome?.get(id) === 'retry') this.retryLater(id);
      else this.failures.delete(id);
    }
  }

  private retryLater(id: string): void {
    const n = (this.failures.get(id) ?? 0) + 1;
    this.failures.set(id, n);
    const base = this.options.baseRetryMs ?? 1000;
    const delay = Math.min(this.options.maxRetryMs ?? 5 * 60_000, base * 2 ** (n - 1));
    const t = setTimeout(() => this.add(id), delay);
    t.unref();
  }

  private notifyIdle(): void {
    if (this.running || this.pending.size > 0 || this.timer) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
