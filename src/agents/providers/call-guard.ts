// One request's cancellation. Links the caller's AbortSignal to a controller of its own, makes a
// cancel settle the call at once (the OpenAI SDK sleeps between retries without watching the
// signal), and turns the SDKs' quiet end of an aborted stream into an error. Stalls are not detected
// here but in the body reader of provider-fetch.ts, where keep-alive bytes are visible.
export class CallGuard {
  private readonly controller = new AbortController();
  private readonly onAbort = () => this.controller.abort();

  constructor(private readonly caller: AbortSignal | undefined) {
    if (caller?.aborted) this.controller.abort();
    else caller?.addEventListener('abort', this.onAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get cancelled(): boolean {
    return this.caller?.aborted === true;
  }

  /**
   * Runs `work`, but settles as soon as the call is cancelled. The abandoned promise's own
   * rejection is swallowed (it only repeats the abort).
   */
  run<T>(work: () => Promise<T>): Promise<T> {
    const signal = this.controller.signal;
    if (signal.aborted) return Promise.reject(new Error('aborted'));
    const pending = work();
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new Error('aborted'));
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
   * Throws when the call was cancelled. Needed after a stream loop: both SDKs end the iteration
   * quietly on abort instead of throwing, which would pass a cut-off answer for a whole one.
   */
  check(): void {
    if (this.controller.signal.aborted) throw new Error('aborted');
  }

  dispose(): void {
    this.caller?.removeEventListener('abort', this.onAbort);
  }
}
