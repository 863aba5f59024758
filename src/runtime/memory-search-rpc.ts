// The daemon's `memory.search` method: the same search as `aios search` in-process (full text, plus
// vectors when an embedding model answers), with the daemon's config and environment. The result is
// the hit list (each hit with its source: fts / vector / both); how the search ran — mode, the
// full-text-only reason, index notices — arrives first as a `search` notification.

import { chooseEmbedder, searchMemory } from '../agents/semantic-search.js';
import type { Config } from '../config/schema.js';
import type { MemoryStore } from '../memory/memory-store.js';
import { MEMORY_KINDS, type MemoryKind } from '../memory/migrations.js';
import { RpcError, type RpcHandler } from './rpc-server.js';

export interface MemorySearchDeps {
  memory: () => MemoryStore;
  config: () => Config;
  env?: NodeJS.ProcessEnv | undefined;
}

export function memorySearchHandler(deps: MemorySearchDeps): RpcHandler {
  return async (p, ctx) => {
    const text = String(p.text ?? '');
    const kind = p.kind === undefined || p.kind === null ? undefined : String(p.kind);
    if (kind !== undefined && !(MEMORY_KINDS as string[]).includes(kind)) {
      throw new RpcError(-32602, `kind must be one of ${MEMORY_KINDS.join(', ')}`);
    }
    const [open, close] = Array.isArray(p.mark) ? p.mark : [];
    const mark = typeof open === 'string' && typeof close === 'string' ? ([open, close] as const) : undefined;
    const choice = chooseEmbedder(deps.config(), { maxRetries: 1, ...(deps.env ? { env: deps.env } : {}) });
    const result = await searchMemory(deps.memory(), choice, text, {
      limit: typeof p.limit === 'number' ? p.limit : 20,
      signal: ctx.signal,
      ...(kind === undefined ? {} : { kind: kind as MemoryKind }),
      ...(mark === undefined ? {} : { mark }),
    });
    const { hits, ...meta } = result;
    ctx.notify('search', meta);
    return hits;
  };
}
