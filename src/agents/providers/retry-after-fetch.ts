// A fetch wrapper that makes the SDKs' retry waits predictable (decision 101). Both SDKs retry 429/5xx
// themselves and honour `retry-after-ms` / `retry-after`, but differently: the Anthropic SDK treats
// "retry-after: 0" as "no advice" and backs off ~0.5-8 s, and neither caps a huge value (a server
// saying "retry after 3600" would hang a chat for an hour). Here every retry hint becomes one
// `retry-after-ms` of at least 1 ms, and a wait longer than the cap turns retrying off
// (`x-should-retry: false`) so the caller fails at once with a clear message instead.
// It never touches the request, and only rewrites headers of responses that carry a retry hint.

/** Longest server-requested wait we sit through before a retry. */
export const MAX_RETRY_AFTER_MS = 20_000;

/** Header we add so the error translator can say how long the server asked to wait. */
export const RETRY_AFTER_SECONDS_HEADER = 'x-aios-retry-after-seconds';

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

export function makeRetryAfterFetch(
  inner: typeof fetch = fetch,
  maxWaitMs = MAX_RETRY_AFTER_MS,
): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    if (response.ok) return response;
    const wait = retryAfterMs(response.headers);
    if (wait === undefined) return response;
    const headers = new Headers(response.headers);
    headers.delete('retry-after');
    headers.set('retry-after-ms', String(Math.max(1, Math.min(wait, maxWaitMs))));
    headers.set(RETRY_AFTER_SECONDS_HEADER, String(Math.ceil(wait / 1000)));
    if (wait > maxWaitMs) headers.set('x-should-retry', 'false');
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
