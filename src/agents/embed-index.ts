// Fills the vector index: embeds memory rows that have no vector for the embedder's model, newest
// first, in batches, and stores the vectors. Used by `aios search` (a bounded batch before it
// searches), after chat turns and by the daemon. Only stored (already redacted) text is sent to the
// model: the rows come from the memory store, never from the caller. It must not decide what is
// searched or print anything; errors of the embedding server are thrown for the caller to report.
import { AiosError } from '../errors.js';
import type { MemoryStore } from '../memory/memory-store.js';
import { redact } from '../memory/redact.js';
import type { Embedder } from './agent-types.js';

export interface IndexPendingOptions {
  /** Most rows to embed in this call (default 256): bounds the time a caller waits. */
  limit?: number;
  /** Rows per embed() call (default 64). */
  batchSize?: number;
  signal?: AbortSignal;
}

export interface IndexPendingResult {
  /** Vectors stored by this call. */
  embedded: number;
  /** Rows still without a vector for the model afterwards. */
  pending: number;
  /** What the user should hear: the index was created or re-created for another model. */
  notices: string[];
  /** Set when vectors cannot be stored here at all (sqlite-vec did not load); nothing was sent. */
  unavailable?: string;
}

/**
 * Embeds up to `limit` rows that lack a vector for `embedder.model`. Throws the embedder's error
 * (one line, key-free) when the server fails; rows stored before the failure stay stored.
 */
export async function indexPending(
  memory: MemoryStore,
  embedder: Embedder,
  opts: IndexPendingOptions = {},
): Promise<IndexPendingResult> {
  const support = memory.vectorSupport();
  if (!support.ok) return { embedded: 0, pending: 0, notices: [], unavailable: support.reason };
  const limit = Math.max(0, Math.floor(opts.limit ?? 256));
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 64));
  const notices: string[] = [];
  let embedded = 0;
  let seen = 0;
  while (seen < limit) {
    opts.signal?.throwIfAborted();
    const rows = memory.pendingVectors(embedder.model, { limit: Math.min(batchSize, limit - seen) });
    if (rows.length === 0) break;
    let vectors: Float32Array[];
    try {
      vectors = await embedder.embed(
        rows.map((r) => r.text),
        opts.signal,
      );
    } catch (error) {
      throw embedError(embedder.model, error);
    }
    if (vectors.length !== rows.length) {
      throw new AiosError(
        `embedding model ${embedder.model} returned ${vectors.length} vectors for ${rows.length} texts`,
      );
    }
    const result = memory.storeVectors(
      embedder.model,
      rows.map((r, i) => ({ kind: r.kind, id: r.id, vector: vectors[i] ?? null })),
    );
    if (result.notice) notices.push(result.notice);
    embedded += result.stored;
    // Counted by rows handed out, not stored: rows another process indexed meanwhile still use up
    // this call's budget, so the loop always ends.
    seen += rows.length;
  }
  return { embedded, pending: memory.vectorStatus(embedder.model).pending ?? 0, notices };
}

/** The embedder's failure as one line naming the model. Provider errors are already key-free; any
 *  other message is redacted here too, because a server may echo what it was sent. */
export function embedError(model: string, error: unknown): AiosError {
  const message = error instanceof Error ? error.message : String(error);
  const line = redact(message).split('\n', 1)[0] ?? '';
  return new AiosError(`embedding model ${model}: ${line}`);
}
