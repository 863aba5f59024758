// Which config keys hold secrets and how they are shown: `aios config show` must never print an API
// key. Only string values are masked: `max_tokens` matches *token* but a number is not a secret.

const SECRET_NAME = /key|token|secret|password|passwd|credential/i;

/** True for a dotted key whose last part is named like a secret (`llm.openai.api_key`). */
export function isSecretKey(dottedKey: string): boolean {
  const last = dottedKey.split('.').pop() ?? dottedKey;
  return SECRET_NAME.test(last);
}

/** "****" plus the last 4 characters of long values, so two keys can be told apart without leaking. */
export function maskSecret(value: string): string {
  if (value === '') return '';
  return value.length >= 16 ? `****${value.slice(-4)}` : '****';
}

/** The value as it may be shown for this key. */
export function displayValue(dottedKey: string, value: unknown): unknown {
  if (!isSecretKey(dottedKey)) return value;
  if (typeof value === 'string') return maskSecret(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? maskSecret(v) : v));
  return value;
}
