// Exact-value scrubbing of the secrets aios knows (provider keys from the config and env): the
// memory store's pattern redaction cannot know a key shaped unlike any known format. One walker for
// the chat service and the intent tool.

/** A deep copy of `value` with every exact occurrence of a secret replaced. */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      let s = v;
      for (const secret of secrets) if (s.includes(secret)) s = s.split(secret).join('[REDACTED]');
      return s;
    }
    if (depth > 32 || !v || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x, depth + 1);
    return out;
  };
  return walk(value, 0) as T;
}
