// One request's cancellation and stall detection. The SDKs time out only until the response headers
// arrive; a stream that then goes quiet would hang a chat forever. The guard links the caller's
// AbortSignal to its own controller and, once armed, aborts when no data came for `idleMs`, remembering
// whether it was a timeout or the caller's cancel so the error says which.
export class CallGuard {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.controller.abort();
  timedOut = false;

  constructor(
    private readonly caller: AbortSignal | undefined,
    private readonly idleMs: number,
  ) {
    if (caller?.aborted) this.controller.abort();
    else caller?.addEventListener('abort', this.onAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get cancelled(): boolean {
    return this.caller?.aborted === true;
  }

  /** Starts (or restarts) the idle timer: call once the stream is open and on every chunk. */
  touch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, this.idleMs);
  }

  /**
   * Runs `work`, but settles as soon as the call is aborted: the OpenAI SDK sleeps between retries
   * without watching the signal, and a cancel must not wait out a backoff. The abandoned promise's
   * own rejection is swallowed (it only repeats the abort).
   */
  run<T>(work: () => Promise<T>): Promise<T> {
    const signal = this.controller.signal;
    if (signal.aborted) return Promise.reject(new Error('aborted'));
    const pending = work();
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new Error(this.timedOut ? 'stream stalled' : 'aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      pending.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /**
   * Throws when the call was aborted. Needed after a stream loop: both SDKs end the iteration quietly
   * on abort instead of throwing, which would pass a cut-off answer for a whole one.
   */
  check(): void {
    if (this.controller.signal.aborted) throw new Error(this.timedOut ? 'stream stalled' : 'aborted');
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onAbort);
  }
}
