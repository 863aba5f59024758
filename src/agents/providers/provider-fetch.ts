// The fetch both SDKs are given (decision 101). It does two things the SDKs leave out:
//
// 1. Retry waits made uniform and bounded. Both SDKs retry 429/5xx themselves and honour
//    `retry-after-ms` / `retry-after`, but differently: the Anthropic SDK treats "retry-after: 0" as
//    "no advice" and backs off ~0.5-8 s, and neither caps a huge value (a server saying "retry after
//    3600" would hang a chat for an hour). Every retry hint becomes one `retry-after-ms` of at least
//    1 ms, and a wait over the cap turns retrying off (`x-should-retry: false`) so the caller fails at
//    once with a message saying how long the server asked for.
// 2. Timeouts, once. No response headers within the timeout → a synthetic 408 the SDKs do not retry
//    (theirs would retry twice, tripling the wait). A body that then goes quiet fails too: the SDKs'
//    timeout stops at the headers, so a stream (or a JSON body) that stalls would hang forever. The
//    body is passed through a reader that errors with BodyIdleTimeoutError when no bytes arrive for
//    `idleMs`. Bytes count, not events, so Anthropic's pings during a long think keep it alive.
//
// 3. A whole JSON answer to a streaming request (servers that ignore `"stream": true`) is rewritten
//    into the equivalent events (json-as-sse.ts) instead of silently becoming an empty answer.
//
// It never touches the request.

import { jsonAnswerAsSse, requestsStream } from './json-as-sse.js';

/** Longest server-requested wait we sit through before a retry. */
export const MAX_RETRY_AFTER_MS = 20_000;

/** Header we add so the error translator can say how long the server asked to wait. */
export const RETRY_AFTER_SECONDS_HEADER = 'x-aios-retry-after-seconds';

/** The response body stalled longer than the provider's timeout. */
export class BodyIdleTimeoutError extends Error {
  override name = 'BodyIdleTimeoutError';
  constructor(readonly idleMs: number) {
    super(`no data for ${idleMs} ms`);
  }
}

/** Milliseconds a response asks us to wait, or undefined when it gives no usable hint. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  if (Number.isFinite(Number(after))) return Math.max(0, Number(after) * 1000);
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The headers with the retry hint normalised, or undefined when there is nothing to change. */
function retryHeaders(response: Response, maxWaitMs: number): Headers | undefined {
  if (response.ok) return undefined;
  const wait = retryAfterMs(response.headers);
  if (wait === undefined) return undefined;
  const headers = new Headers(response.headers);
  headers.delete('retry-after');
  headers.set('retry-after-ms', String(Math.max(1, Math.min(wait, maxWaitMs))));
  headers.set(RETRY_AFTER_SECONDS_HEADER, String(Math.ceil(wait / 1000)));
  if (wait > maxWaitMs) headers.set('x-should-retry', 'false');
  return headers;
}

/** `body`, but erroring with BodyIdleTimeoutError (and closing the connection) after `idleMs` of silence. */
export function idleGuardedBody(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let timer: NodeJS.Timeout | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new BodyIdleTimeoutError(idleMs)), idleMs);
          }),
        ]);
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (error) {
        reader.cancel(error).catch(() => {});
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    cancel(reason) {
      clearTimeout(timer);
      return reader.cancel(reason);
    },
  });
}

export interface ProviderFetchOptions {
  /**
   * The provider's timeout: the longest wait for the response headers, and the longest silence inside
   * a response body.
   */
  idleMs: number;
  /** Which wire the answers speak, for rewriting a JSON answer to a streaming request. */
  wire?: 'openai' | 'anthropic';
  maxRetryWaitMs?: number;
  inner?: typeof fetch;
}

/** Added to the timeout given to the SDKs, so that ours fires first. */
export const SDK_TIMEOUT_SLACK_MS = 5_000;

/** Marks the synthetic 408 that stands for our own header timeout. */
export const TIMEOUT_HEADER = 'x-aios-timeout-ms';

/**
 * The request, or — when no headers came within `ms` — a synthetic 408 that the SDKs do not retry
 * (`x-should-retry: false`). A model that did not answer within the timeout will rarely answer the
 * same request faster the second time, and three timeouts in a row would triple the wait before the
 * user hears anything. The caller's cancel stays linked for as long as the body is read.
 */
async function fetchWithDeadline(
  inner: typeof fetch,
  input: Parameters<typeof fetch>[0],
  init: RequestInit | undefined,
  ms: number,
): Promise<Response> {
  const controller = new AbortController();
  const outer = init?.signal;
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, ms);
  try {
    return await inner(input, { ...init, signal: controller.signal });
  } catch (error) {
    outer?.removeEventListener('abort', onAbort);
    if (!timedOut || outer?.aborted) throw error;
    return new Response(
      JSON.stringify({ error: { message: `no response within ${ms} ms`, type: 'timeout' } }),
      {
        status: 408,
        headers: {
          'content-type': 'application/json',
          'x-should-retry': 'false',
          [TIMEOUT_HEADER]: String(ms),
        },
      },
    );
  } finally {
    clearTimeout(timer);
  }
}

function isJson(response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  return type.includes('json') && !type.includes('event-stream');
}

export function makeProviderFetch(opts: ProviderFetchOptions): typeof fetch {
  const inner = opts.inner ?? fetch;
  const maxWait = opts.maxRetryWaitMs ?? MAX_RETRY_AFTER_MS;
  return async (input, init) => {
    const response = await fetchWithDeadline(inner, input, init, opts.idleMs);
    const body = response.body ? idleGuardedBody(response.body, opts.idleMs) : null;
    const meta = { status: response.status, statusText: response.statusText };
    if (opts.wire && response.ok && requestsStream(init?.body) && isJson(response)) {
      const text = await new Response(body).text();
      const events = jsonAnswerAsSse(opts.wire, text);
      const headers = new Headers(response.headers);
      if (events !== undefined) headers.set('content-type', 'text/event-stream');
      return new Response(events ?? text, { ...meta, headers });
    }
    return new Response(body, { ...meta, headers: retryHeaders(response, maxWait) ?? response.headers });
  };
}
