// Keeps the vector index warm in a long-running process (the daemon): kick() after a chat turn, a
// reconcile or a config reload schedules one indexPending run a moment later. Runs never overlap;
// kicks during a run coalesce into one more run; a run that leaves rows pending schedules the next
// itself; a failure waits `retryMs` before trying again and is reported once per distinct message.
// It never throws into its caller and never prints (the host passes onNotice / onError).
import type { MemoryStore } from '../memory/memory-store.js';
import type { Embedder } from './agent-types.js';
import { indexPending } from './embed-index.js';

export interface BackgroundIndexerOptions {
  memory: () => MemoryStore;
  /** Read at every run: a config reload may set, change or remove the embedding model. */
  embedder: () => Embedder | undefined;
  /** Rows per run (default 512): a run holds the embedding server for a bounded time. */
  runLimit?: number;
  /** Wait after a kick before running (default 2 s): a burst of rows becomes one run. */
  delayMs?: number;
  /** Wait after a failure (default 60 s). */
  retryMs?: number;
  onNotice?: (message: string) => void;
  onError?: (message: string) => void;
}

export class BackgroundIndexer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private lastError: string | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly options: BackgroundIndexerOptions) {}

  /** Schedules a run (coalesced with any already scheduled or in progress). */
  kick(delayMs = this.options.delayMs ?? 2000): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // run() never rejects; the next run is scheduled in the same step that clears this one, so
      // idle() never sees a gap between them.
      this.running = this.run().then((next) => {
        this.running = undefined;
        if (next !== undefined && !this.stopped) this.kick(next);
      });
    }, delayMs);
    // Never keeps the process alive on its own.
    this.timer.unref();
  }

  /** Resolves once nothing is scheduled or running (tests; a drain before exit). */
  async idle(): Promise<void> {
    while (this.timer !== undefined || this.running !== undefined) {
      if (this.running) await this.running;
      else await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Cancels what is scheduled, aborts a run in flight and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.running;
  }

  /** One indexing run; resolves with the delay before the next one, if any. */
  private async run(): Promise<number | undefined> {
    const embedder = this.options.embedder();
    if (embedder === undefined) return undefined;
    let next: number | undefined;
    try {
      const result = await indexPending(this.options.memory(), embedder, {
        limit: this.options.runLimit ?? 512,
        signal: this.abort.signal,
      });
      this.lastError = undefined;
      if (result.unavailable) {
        this.report(`vector index off: ${result.unavailable}`);
        return undefined;
      }
      for (const notice of result.notices) this.options.onNotice?.(notice);
      if (result.pending > 0 && result.embedded > 0) next = 0;
    } catch (error) {
      if (this.stopped) return undefined;
      this.report(error instanceof Error ? error.message : String(error));
      next = this.options.retryMs ?? 60_000;
      this.again = false;
    }
    if (this.again) next = Math.min(next ?? 0, this.options.delayMs ?? 2000);
    this.again = false;
    return next;
  }

  private report(message: string): void {
    if (message === this.lastError) return;
    this.lastError = message;
    this.options.onError?.(message);
  }
}
