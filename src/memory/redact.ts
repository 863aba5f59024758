// Secret redaction applied to every value before the memory store writes it (ARCHITECTURE.md §6:
// secrets never reach memory). Pure functions, no I/O. It must over-redact rather than under-redact:
// a masked harmless value costs nothing, a stored API key cannot be taken back from WAL pages and
// backups. It must not throw on any input.

export const REDACTED = '[REDACTED]';

// A name that marks its value as secret: OPENAI_API_KEY, github_token, DB_PASSWORD, client_secret,
// apiKey... Token counts (max_tokens, input_tokens) are not secrets. A bare `key` (sysctl keys, map keys) or words like "monkey" are not: KEY needs a separator
// or a known prefix before it.
const SECRET_WORD = `(?:TOKEN(?!S|_?COUNT|_?LIMIT)|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?|[_.-]PASS(?![A-Za-z])|[_.-]PWD(?![A-Za-z])|[_.-]KEY|(?:API|PRIVATE|ACCESS|SECRET|SIGNING|ENCRYPTION|MASTER|CLIENT|AUTH|SESSION)KEY)`;
// Bounded repeats: an unbounded class before the word would make every start inside a long run of
// name characters (`----…`, `a-a-a-…` in tool output) rescan the run: quadratic time.
const SECRET_NAME = `[A-Za-z0-9_.-]{0,64}${SECRET_WORD}[A-Za-z0-9_.-]{0,64}`;
const SECRET_NAME_RE = new RegExp(SECRET_WORD, 'i');

interface Rule {
  re: RegExp;
  replace: string | ((...groups: string[]) => string);
}

const RULES: Rule[] = [
  // Token shapes first, so the generic name=value rules below never split a token's scheme from it
  // ("Authorization: Bearer X" must not become "Authorization: [REDACTED] X").
  // HTTP authorization schemes.
  { re: /\b(Bearer)(\s+)[A-Za-z0-9._~+/=-]{8,}/gi, replace: (_m, s, sp) => `${s}${sp}${REDACTED}` },
  // Cookies carry session tokens: the whole header value goes.
  { re: /\b((?:Set-)?Cookie["']?\s*[:=]\s*["']?)[^"'\n]+/gi, replace: (_m, pre) => `${pre}${REDACTED}` },
  {
    re: /\b((?:Proxy-)?Authorization["']?\s*[:=]\s*["']?)(?:(Basic|Token|Digest|Bearer)\s+)?[^\s"']+/gi,
    replace: (_m, pre, scheme) => `${pre}${scheme ? `${scheme} ` : ''}${REDACTED}`,
  },
  // Well-known token shapes, anywhere in text.
  { re: /\bsk-ant-[A-Za-z0-9_-]{8,}/g, replace: REDACTED },
  { re: /\bsk-[A-Za-z0-9_-]{16,}/g, replace: REDACTED },
  { re: /\bgh[pousr]_[A-Za-z0-9]{20,}/g, replace: REDACTED },
  { re: /\bgithub_pat_[A-Za-z0-9_]{20,}/g, replace: REDACTED },
  { re: /\bglpat-[A-Za-z0-9_-]{20,}/g, replace: REDACTED },
  { re: /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, replace: REDACTED },
  { re: /\bAIza[0-9A-Za-z_-]{35}\b/g, replace: REDACTED },
  { re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b/g, replace: REDACTED },
  // AWS secret access keys: 40 base64 chars after the usual names, whatever the separator.
  {
    re: /(aws_secret_access_key|secretaccesskey|aws_secret)(["']?\s*[:=]?\s*["']?)[A-Za-z0-9/+=]{40}/gi,
    replace: (_m, name, sep) => `${name}${sep}${REDACTED}`,
  },
  // JSON Web Tokens.
  { re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: REDACTED },
  // PEM private keys, terminated or cut off (a truncated block is still a key).
  {
    re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
    replace: REDACTED,
  },
  // JSON / YAML-ish quoted pairs: "api_key": "...", 'password': '...'.
  {
    re: new RegExp(String.raw`(["'])(${SECRET_NAME})\1(\s*[:=]\s*)(["'])((?:\\.|(?!\4)[^\\])*)\4`, 'gi'),
    replace: (_m, q, name, sep, vq) => `${q}${name}${q}${sep}${vq}${REDACTED}${vq}`,
  },
  // JSON with a bare value: "token": 12345abc (numbers, unquoted).
  {
    re: new RegExp(String.raw`(["'])(${SECRET_NAME})\1(\s*:\s*)([^\s"',}\]][^\s,}\]]*)`, 'gi'),
    replace: (_m, q, name, sep) => `${q}${name}${q}${sep}${REDACTED}`,
  },
  // Command-line flags: --password hunter2, --api-key=abc, -p is too ambiguous to touch.
  {
    re: new RegExp(String.raw`(--${SECRET_NAME})(=|\s+)("[^"]*"|'[^']*'|[^\s"'-][^\s]*)`, 'gi'),
    replace: (_m, flag, sep) => `${flag}${sep}${REDACTED}`,
  },
  // Env-like assignments: OPENAI_API_KEY=..., export TOKEN="...", password: hunter2.
  {
    re: new RegExp(
      String.raw`(^|[^A-Za-z0-9_.-])(${SECRET_NAME})(\s*(?:=|:(?!//))\s*)("[^"]*"|'[^']*'|[^\s"',;&|)]+)`,
      'gi',
    ),
    replace: (_m, pre, name, sep, value) =>
      value.startsWith(REDACTED) ? `${pre}${name}${sep}${value}` : `${pre}${name}${sep}${REDACTED}`,
  },
  // Credentials inside URLs: https://user:pass@host.
  {
    re: /\b([a-z][a-z0-9+.-]{0,31}:\/\/[^/\s:@]{1,256}:)([^@\s/]{1,256})@/gi,
    replace: (_m, pre) => `${pre}${REDACTED}@`,
  },
];

// Cheap pre-check: most history text has none of these, and skipping the regex pass for it keeps
// batched inserts fast.
const MAYBE_SECRET =
  /key|token|secret|pass|pwd|passphrase|credential|auth|cookie|sk-|gh[pousr]_|github_pat_|glpat-|xox|AIza|AKIA|ASIA|AGPA|AIDA|AROA|bearer|basic|eyJ|:\/\/[^\s/]*@|PRIVATE KEY/i;

/** Text with every secret-looking value replaced by `[REDACTED]`. */
export function redact(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  let out = text;
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    // biome-ignore lint/suspicious/noExplicitAny: String.replace's overloads do not accept a union of both forms
    out = out.replace(rule.re, rule.replace as any);
  }
  return out;
}

/** True when a property name marks its value as a secret (`api_key`, `password`, `authToken`...). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME_RE.test(name);
}

/**
 * A deep copy of `value` with secrets redacted: strings through `redact()`, and the whole value of
 * any property whose name is secret-like (objects keep their shape so callers can still read them).
 */
export function redactValue<T>(value: T): T {
  return redactInner(value, 0) as T;
}

function redactInner(value: unknown, depth: number): unknown {
  if (depth > 64) return REDACTED; // a cycle or absurd nesting: refuse rather than recurse forever
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return redactArgvLike(value.map((v) => redactInner(v, depth + 1)));
  if (value && typeof value === 'object') {
    if (value instanceof Date) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (
        isSecretName(k) &&
        v !== null &&
        v !== undefined &&
        typeof v !== 'object' &&
        typeof v !== 'boolean'
      ) {
        out[k] = REDACTED;
      } else {
        out[k] = redactInner(v, depth + 1);
      }
    }
    return out;
  }
  return value;
}

/**
 * argv-style arrays: `['--password', 'hunter2']` hides the element after a secret-named flag, and
 * `['-H', 'Authorization: ...']` goes through `redact()` like any string.
 */
export function redactArgv(argv: readonly string[]): string[] {
  return redactArgvLike(argv.map((a) => redact(a))) as string[];
}

function redactArgvLike(items: unknown[]): unknown[] {
  for (let i = 0; i < items.length - 1; i++) {
    const item = items[i];
    if (typeof item === 'string' && /^--?[A-Za-z0-9_-]+$/.test(item) && isSecretName(item)) {
      const next = items[i + 1];
      if (typeof next === 'string' && !next.startsWith('-')) items[i + 1] = REDACTED;
    }
  }
  return items;
}
