// Translates whatever the OpenAI or Anthropic SDK threw into one ProviderError line (decision 102):
// status codes, connection failures, timeouts and cancels, each with the provider, the URL and what to
// do. Both SDKs share the same error shapes (status, error body, headers, cause), so this reads those
// fields instead of depending on either SDK's classes. The API key is redacted from everything.
import type { ProviderName } from '../agent-types.js';
import { displayUrl, oneLine, ProviderError, type ProviderErrorKind } from './provider-error.js';
import { RETRY_AFTER_SECONDS_HEADER, TIMEOUT_HEADER } from './provider-fetch.js';
import { KEY_ENV, OLLAMA_PLACEHOLDER_KEY, type ProviderSettings } from './provider-settings.js';

export interface ErrorContext {
  settings: ProviderSettings;
  /** The caller's AbortSignal fired. */
  cancelled?: boolean;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS lookup failed)',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed by the server',
};

/** The first errno-like code in an error's cause chain (undici nests them: TypeError → cause → cause). */
function networkCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 6 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const inner = (e as { errors?: unknown[] }).errors; // AggregateError (IPv4 + IPv6 attempts)
    if (Array.isArray(inner) && inner.length > 0) {
      const found = networkCode(inner[0]);
      if (found) return found;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The innermost message of an error's cause chain (the SDK's own says only "Connection error."). */
function rootMessage(error: unknown): string {
  let e: unknown = error;
  let message = '';
  // Duck-typed: undici's errors can come from another realm, where `instanceof Error` is false.
  for (let depth = 0; depth < 6 && e && typeof e === 'object'; depth++) {
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m !== '') message = m;
    e = (e as { cause?: unknown }).cause;
  }
  return message;
}

/** The server's own error text from a parsed error body (OpenAI: error.message; Anthropic: error.error.message). */
function serverMessage(error: unknown, fallback: string): string {
  const body = (error as { error?: unknown }).error;
  const pick = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v;
    if (v && typeof v === 'object') {
      const o = v as { message?: unknown; error?: unknown };
      if (typeof o.message === 'string') return o.message;
      return pick(o.error);
    }
    return undefined;
  };
  const text = pick(body) ?? fallback.replace(/^\d{3}\s*/, '');
  return oneLine(text, 200);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

/** True when the error or one in its cause chain has this name (the SDKs sometimes wrap). */
function hasName(error: unknown, name: string): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 6 && e && typeof e === 'object'; depth++) {
    if ((e as { name?: unknown }).name === name) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function errName(error: unknown): string {
  return (error as { constructor?: { name?: string } })?.constructor?.name ?? '';
}

export function translateError(error: unknown, ctx: ErrorContext): ProviderError {
  if (error instanceof ProviderError) return error;
  const { settings } = ctx;
  const p: ProviderName = settings.name;
  const url = displayUrl(settings.baseURL);
  const make = (message: string, kind: ProviderErrorKind, status?: number) =>
    new ProviderError(message, {
      provider: p,
      kind,
      ...(status !== undefined ? { status } : {}),
      // The ollama placeholder is no secret, and redacting it would blank the word "ollama" everywhere.
      secrets: settings.apiKey === OLLAMA_PLACEHOLDER_KEY ? [] : [settings.apiKey],
    });

  if (ctx.cancelled) return make(`${p} request cancelled`, 'cancelled');
  const name = errName(error);
  const ourTimeout = (error as { headers?: Headers }).headers?.get?.(TIMEOUT_HEADER);
  if (name === 'APIConnectionTimeoutError' || hasName(error, 'BodyIdleTimeoutError') || ourTimeout) {
    return make(
      `${p} timed out after ${seconds(settings.timeoutMs)} waiting for ${url} (model ${settings.model}); raise [llm.${p}] timeout if the model is slow`,
      'timeout',
    );
  }
  if (name === 'APIUserAbortError') return make(`${p} request cancelled`, 'cancelled');
  if (name === 'APIConnectionError') {
    const code = networkCode(error);
    const why = (code && NETWORK_CODES[code]) ?? (code ? code : oneLine(rootMessage(error), 160));
    const hint = settings.baseURLSource === 'default' ? '' : ` (from ${settings.baseURLSource})`;
    return make(`cannot reach ${p} at ${url}${hint}: ${why}`, 'unreachable');
  }
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number') {
    const msg = serverMessage(error, String((error as Error).message ?? ''));
    const headers = (error as { headers?: Headers }).headers;
    const keyHint = KEY_ENV[p] ? `${KEY_ENV[p]} or [llm.${p}] api_key` : `[llm.${p}] api_key`;
    const tries = settings.maxRetries + 1;
    const waitHint = headers?.get?.(RETRY_AFTER_SECONDS_HEADER);
    const gaveUp =
      headers?.get?.('x-should-retry') === 'false' && waitHint
        ? `the server asks to wait ${waitHint}s`
        : `after ${tries} attempt${tries === 1 ? '' : 's'}`;
    if (status === 401)
      return make(`${p} rejected the API key (401 from ${url}): check ${keyHint}`, 'auth', 401);
    if (status === 403) return make(`${p} refused access (403 from ${url}): ${msg}`, 'forbidden', 403);
    if (status === 404) {
      // An OpenAI-style base URL without /v1 gives a 404 for the route, not the model: say so.
      const noV1 = p !== 'anthropic' && !/\/v1\/?$/.test(new URL(settings.baseURL).pathname);
      const hint = noV1
        ? '; does base_url need /v1?'
        : p === 'ollama'
          ? `; try: ollama pull ${settings.model}`
          : '';
      return make(
        `${p}: model "${settings.model}" not found at ${url} (404: ${msg}${hint})`,
        'model_not_found',
        404,
      );
    }
    if (status === 429)
      return make(`${p} is rate limiting requests (429 from ${url}, ${gaveUp}): ${msg}`, 'rate_limited', 429);
    if (status >= 500)
      return make(`${p} server error ${status} from ${url} (${gaveUp}): ${msg}`, 'server', status);
    return make(`${p} rejected the request (${status} from ${url}): ${msg}`, 'bad_request', status);
  }
  // An error event inside a stream that had started fine (both SDKs: an APIError without status).
  const body = (error as { error?: unknown }).error;
  if (body && typeof body === 'object') {
    return make(`${p} failed mid-answer (from ${url}): ${serverMessage(error, '')}`, 'server');
  }
  const code = networkCode(error);
  if (code && NETWORK_CODES[code]) {
    return make(`lost the connection to ${p} at ${url} mid-answer: ${NETWORK_CODES[code]}`, 'unreachable');
  }
  const message = error instanceof Error ? error.message : String(error);
  return make(`${p}: unexpected answer from ${url}: ${message}`, 'bad_response');
}
