// Where each effective config value came from, so `aios config show` can explain it and errors can
// point at the file line or env var that set a bad value. Plain data; no I/O.

export type Origin =
  | { source: 'default' }
  | { source: 'file'; file: string; line?: number }
  | { source: 'env'; variable: string }
  | { source: 'flag'; flag: string };

/** Dotted config key ("llm.openai.model") → where its value came from. */
export type Origins = Record<string, Origin>;

export function formatOrigin(origin: Origin): string {
  switch (origin.source) {
    case 'default':
      return 'default';
    case 'file':
      return origin.line === undefined ? origin.file : `${origin.file}:${origin.line}`;
    case 'env':
      return `env ${origin.variable}`;
    case 'flag':
      return `flag ${origin.flag}`;
  }
}

/**
 * The origin of a key or of the nearest key above it that has one: an error about `recovery.paths.1`
 * is located by the origin of `recovery.paths`.
 */
export function originOf(origins: Origins, path: readonly (string | number)[]): Origin | undefined {
  for (let n = path.length; n > 0; n--) {
    const found = origins[path.slice(0, n).join('.')];
    if (found) return found;
  }
  return undefined;
}
