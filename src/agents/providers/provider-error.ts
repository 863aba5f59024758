// The one error every provider failure becomes: a single line a person can act on ("set
// OPENAI_API_KEY", "cannot reach ollama at URL: connection refused"), never a stack trace and never an
// API key. Message building only; the SDK error translation lives in sdk-errors.ts.
import { AiosError } from '../../errors.js';
import type { ProviderName } from '../agent-types.js';

export type ProviderErrorKind =
  | 'missing_key'
  | 'unknown_provider'
  | 'bad_config'
  | 'auth'
  | 'forbidden'
  | 'model_not_found'
  | 'unreachable'
  | 'timeout'
  | 'rate_limited'
  | 'server'
  | 'bad_request'
  | 'cancelled'
  | 'bad_response';

export class ProviderError extends AiosError {
  override name = 'ProviderError';
  readonly provider: ProviderName | string;
  readonly kind: ProviderErrorKind;
  readonly status: number | undefined;

  /** `secrets` are removed from the message (a server may echo the key it was sent). */
  constructor(
    message: string,
    opts: { provider: ProviderName | string; kind: ProviderErrorKind; status?: number; secrets?: string[] },
  ) {
    super(oneLine(redact(message, opts.secrets ?? [])));
    this.provider = opts.provider;
    this.kind = opts.kind;
    this.status = opts.status;
  }
}

/** Collapses whitespace so the message is one line, and caps its length. */
export function oneLine(text: string, max = 400): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

// Shapes of well-known key formats, removed even when we were not told the value (a key from another
// provider or a server echoing someone else's): sk-..., sk-ant-..., Bearer tokens.
const KEY_SHAPES = [/\bsk-[A-Za-z0-9_-]{8,}/g, /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi];

/** Removes every given secret (and anything shaped like an API key) from a text. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short "keys" (ollama's placeholder) would blank out ordinary words; they are no secret.
    if (secret.length >= 8) out = out.split(secret).join('****');
  }
  for (const shape of KEY_SHAPES) out = out.replace(shape, '****');
  // user:password@ inside any URL (a base_url with credentials, echoed by fetch).
  return out.replace(/(\/\/)[^/\s:@]+:[^/\s@]*@/g, '$1');
}

/** A URL as it may be shown: no user:password part, no query, no trailing slash. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/+$/, '');
  } catch {
    return url;
  }
}
