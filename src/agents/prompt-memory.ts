// The semantic half of what the system prompt retrieves from memory: when [llm] embedding_model is
// set, the request is embedded and the vector hits of memory's hybrid search become prompt notes
// (the full-text half is system-prompt.ts searchMemory). Bounded: a small indexing batch and short
// timeouts, because it runs before the turn's first model call; any failure means no semantic notes,
// never a failed turn. Host output (tool rows, audit rows, tool messages) is never returned.
import type { Config } from '../config/schema.js';
import type { MemoryStore } from '../memory/memory-store.js';
import { chooseEmbedder, searchMemory as hybridSearch } from './semantic-search.js';
import { memoryLine, promptSafe } from './system-prompt.js';

export interface SemanticRetrieverOptions {
  env?: NodeJS.ProcessEnv;
  /** Notes returned at most (default 4). */
  limit?: number;
  /** Pending rows embedded per turn (default 64) and the time allowed for it (default 3 s). */
  indexLimit?: number;
  indexBudgetMs?: number;
  /** Time allowed to embed the request (default 5 s). */
  queryTimeoutMs?: number;
}

/** A retriever for gatherPromptContext, or undefined when no embedding model can be used. */
export function semanticRetriever(
  memory: () => MemoryStore,
  config: Config,
  opts: SemanticRetrieverOptions = {},
): ((text: string) => Promise<string[]>) | undefined {
  const choice = chooseEmbedder(config, opts.env ? { env: opts.env } : {});
  if ('off' in choice) return undefined;
  const limit = opts.limit ?? 4;
  return async (text) => {
    const mem = memory();
    const result = await hybridSearch(mem, choice, text, {
      limit: limit * 3,
      mark: ['', ''],
      indexLimit: opts.indexLimit ?? 64,
      indexBudgetMs: opts.indexBudgetMs ?? 3_000,
      queryTimeoutMs: opts.queryTimeoutMs ?? 5_000,
    });
    if (result.mode !== 'hybrid') return [];
    // Full-text hits are found by the keyword search already; only what the vectors add is new.
    return result.hits
      .filter((h) => h.source !== 'fts' && promptSafe(mem, h))
      .slice(0, limit)
      .map(memoryLine);
  };
}
