// The effective config as a flat list of entries (key, shown value, origin), in schema order, for
// `aios config show` and `aios info`. Secrets are masked here, so no caller can forget to.
import type { LoadedConfig } from './load-config.js';
import { formatOrigin, type Origin } from './origins.js';
import { leafPaths } from './schema-walk.js';
import { displayValue } from './secrets.js';

export interface ConfigEntry {
  /** Dotted key, e.g. `llm.openai.model`. */
  key: string;
  /** The section (`llm.openai`) and the key's own name (`model`). */
  section: string;
  name: string;
  /** Undefined when the key is optional and unset. Secrets are masked. */
  value: unknown;
  origin: Origin;
  /** `default`, `FILE:LINE`, `env VAR`, `flag --root`. */
  from: string;
}

export function configEntries(loaded: LoadedConfig): ConfigEntry[] {
  return leafPaths().map((p) => {
    const key = p.join('.');
    let value: unknown = loaded.config;
    for (const part of p) value = (value as Record<string, unknown> | undefined)?.[part];
    const origin = loaded.origins[key] ?? { source: 'default' };
    return {
      key,
      section: p.slice(0, -1).join('.'),
      name: p[p.length - 1] ?? key,
      value: displayValue(key, value),
      origin,
      from: formatOrigin(origin),
    };
  });
}

/** The effective config as nested plain data with secrets masked (for JSON output). */
export function maskedConfig(entries: readonly ConfigEntry[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of entries) {
    if (e.value === undefined) continue;
    let node = out;
    for (const part of e.key.split('.').slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node[e.name] = e.value;
  }
  return out;
}
