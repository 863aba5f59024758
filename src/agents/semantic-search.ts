// Memory search as `aios search` and the daemon's `memory.search` run it: full text always, plus
// vectors when an embedding model is configured and answers. Indexes a bounded batch of pending rows
// first (newest first), embeds the query, and fuses both hit lists by reciprocal rank in the store.
// Semantic search is an improvement, never a requirement: no model, no sqlite-vec, an unreachable
// or failing server all end in the full-text result with one line saying why (docs/decisions/142).
// It must not print: the CLI and the daemon decide how the reason and notices reach the user.
import type { Config } from '../config/schema.js';
import { AiosError } from '../errors.js';
import type { HybridHit, MemoryStore } from '../memory/memory-store.js';
import type { MemoryKind } from '../memory/migrations.js';
import { redact } from '../memory/redact.js';
import type { Embedder } from './agent-types.js';
import { embedError, indexPending } from './embed-index.js';
import { createEmbedder, type ProviderOptions } from './providers/create-provider.js';

export const NO_EMBEDDING_MODEL = 'semantic search off: no [llm] embedding_model; full-text only';

/** The embedder to search with, or why there is none (one line, as shown to the user). */
export type EmbedderChoice = { embedder: Embedder } | { off: string };

/**
 * Builds the embedder from `[llm] embedding_model` and the provider settings. Never throws: a missing
 * key or an unusable provider is a reason for full-text search, not a failed search.
 */
export function chooseEmbedder(config: Config, opts: ProviderOptions = {}): EmbedderChoice {
  const model = config.llm.embedding_model?.trim();
  if (!model) return { off: NO_EMBEDDING_MODEL };
  try {
    const embedder = createEmbedder(config, opts);
    if (embedder) return { embedder };
    return {
      off: `semantic search off: ${config.llm.default_provider} has no embeddings API and no OpenAI key is set to embed ${model} with; full-text only`,
    };
  } catch (error) {
    return { off: `semantic search off: ${oneLine(error)}; full-text only` };
  }
}

export interface MemorySearchOptions {
  limit?: number;
  kind?: MemoryKind;
  /** Snippet highlight markers; default `[` and `]`. */
  mark?: readonly [string, string];
  /** Pending rows to embed before searching (default 256; 0 = none): the first search over a large
   *  history is bounded, and each later one continues where it stopped. */
  indexLimit?: number;
  /** Time allowed for that indexing before the search goes on with what is indexed (default 15 s). */
  indexBudgetMs?: number;
  /** Time allowed for embedding the query (default 15 s); past it the search is full-text. */
  queryTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface MemorySearchResult {
  query: string;
  mode: 'hybrid' | 'fulltext';
  /** One line: why this search is full-text only (absent when hybrid). */
  reason?: string;
  /** The embedding model used, when hybrid. */
  model?: string;
  /** Index news for the user: (re)created for a model, rows still waiting for vectors. */
  notices: string[];
  hits: HybridHit[];
}

export async function searchMemory(
  memory: MemoryStore,
  choice: EmbedderChoice,
  text: string,
  opts: MemorySearchOptions = {},
): Promise<MemorySearchResult> {
  const searchOpts = {
    ...(opts.limit === undefined ? {} : { limit: opts.limit }),
    ...(opts.kind === undefined ? {} : { kind: opts.kind }),
    ...(opts.mark === undefined ? {} : { mark: opts.mark }),
  };
  const fulltext = (reason: string, notices: string[] = []): MemorySearchResult => ({
    query: text,
    mode: 'fulltext',
    reason,
    notices,
    hits: memory.hybridSearch(text, undefined, searchOpts),
  });
  if ('off' in choice) return fulltext(choice.off);
  if (text.trim() === '') return fulltext('nothing to search for');
  const { embedder } = choice;
  const support = memory.vectorSupport();
  if (!support.ok) return fulltext(`semantic search off: ${support.reason}; full-text only`);

  const notices: string[] = [];
  const indexLimit = opts.indexLimit ?? 256;
  if (indexLimit > 0) {
    const budgetMs = opts.indexBudgetMs ?? 15_000;
    const budget = AbortSignal.timeout(budgetMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, budget]) : budget;
    const before = memory.vectorStatus().vectors;
    try {
      const indexed = await indexPending(memory, embedder, { limit: indexLimit, signal });
      notices.push(...indexed.notices);
      if (indexed.pending > 0) {
        notices.push(
          `${indexed.pending} older memory rows have no vectors yet: semantic hits come from the newest; later searches index more`,
        );
      }
    } catch (error) {
      opts.signal?.throwIfAborted();
      // Our own budget ran out mid-batch: search with what is indexed. Anything else means the
      // server is unreachable or failing, and the query would fail the same way.
      if (!budget.aborted) return fulltext(unavailable(embedder.model, error), notices);
      // Not one batch answered in the whole budget: the server hangs, and the query would too.
      const seconds = Math.round(budgetMs / 1000);
      if (memory.vectorStatus().vectors === before) {
        return fulltext(unavailable(embedder.model, new Error(`no answer in ${seconds} s`)), notices);
      }
      notices.push(`indexing stopped after ${seconds} s; later searches continue it`);
    }
  }

  let vector: Float32Array | undefined;
  try {
    const timeout = AbortSignal.timeout(opts.queryTimeoutMs ?? 15_000);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    // The query goes to the model redacted, like every stored row: a pasted token is not sent away.
    [vector] = await embedder.embed([redact(text)], signal);
    if (vector === undefined) throw new AiosError('no vector returned for the query');
  } catch (error) {
    opts.signal?.throwIfAborted();
    return fulltext(unavailable(embedder.model, error), notices);
  }
  try {
    const hits = memory.hybridSearch(text, { model: embedder.model, vector }, searchOpts);
    return { query: text, mode: 'hybrid', model: embedder.model, notices, hits };
  } catch (error) {
    // A damaged or foreign vector table must not cost the user the full-text answer.
    return fulltext(`semantic search unavailable (vector index: ${oneLine(error)}); full-text only`, notices);
  }
}

function unavailable(model: string, error: unknown): string {
  return `semantic search unavailable (${embedError(model, error).message}); full-text only`;
}

function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0] ?? '';
}
