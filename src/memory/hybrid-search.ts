// Reciprocal rank fusion (RRF) of the full-text and the vector hit lists of one search. Pure: it sees
// only the two ranked lists of row keys, never the database, so its ordering is checked by hand-made
// cases. Why RRF (docs/decisions/141): bm25 scores and cosine distances live on different scales that
// shift with the corpus and the model; ranks do not, and RRF needs no per-model tuning.
//
//   score(row) = Σ over the lists that contain it of 1 / (k + rank)      (rank 1 = best, k = 60)
//
// k = 60 is the constant of Cormack, Clarke & Büttcher (SIGIR 2009), used unchanged by most hybrid
// search engines. With it, a row that both lists rank within their top 61 outranks any row that only
// one list found, even at rank 1 (2/(60+61) > 1/61): agreement between the searches wins.
import type { SearchHit } from './memory-types.js';

export const RRF_K = 60;

/** Which search found a hit: full text, vectors, or both. */
export type HitSource = 'fts' | 'vector' | 'both';

export interface FusedKey {
  key: string;
  score: number;
  source: HitSource;
  /** 1-based rank in each list that holds the key. */
  ftsRank?: number;
  vectorRank?: number;
}

/** A search hit with where it came from; `score` is the RRF score in a hybrid search, bm25 otherwise. */
export interface HybridHit extends SearchHit {
  source: HitSource;
  ftsRank?: number;
  vectorRank?: number;
  /** Cosine distance of a vector hit (0 = same direction). */
  distance?: number;
}

/**
 * Fuses two ranked key lists (best first; a repeated key keeps its best rank). Ties in score are
 * broken by the better single rank, then full text before vectors (an exact word is the stronger
 * evidence), then first seen: the order is total and deterministic.
 */
export function fuseRrf(
  fts: readonly string[],
  vector: readonly string[],
  opts: { k?: number; limit?: number } = {},
): FusedKey[] {
  const k = opts.k ?? RRF_K;
  const byKey = new Map<string, FusedKey & { order: number }>();
  const add = (keys: readonly string[], list: 'ftsRank' | 'vectorRank') => {
    keys.forEach((key, i) => {
      let entry = byKey.get(key);
      if (entry === undefined) {
        entry = { key, score: 0, source: list === 'ftsRank' ? 'fts' : 'vector', order: byKey.size };
        byKey.set(key, entry);
      }
      if (entry[list] !== undefined) return;
      entry[list] = i + 1;
      entry.score += 1 / (k + i + 1);
      if (entry.ftsRank !== undefined && entry.vectorRank !== undefined) entry.source = 'both';
    });
  };
  add(fts, 'ftsRank');
  add(vector, 'vectorRank');
  const best = (e: FusedKey) =>
    Math.min(e.ftsRank ?? Number.POSITIVE_INFINITY, e.vectorRank ?? Number.POSITIVE_INFINITY);
  const fused = [...byKey.values()].sort(
    (a, b) =>
      b.score - a.score ||
      best(a) - best(b) ||
      (a.ftsRank === undefined ? 1 : 0) - (b.ftsRank === undefined ? 1 : 0) ||
      a.order - b.order,
  );
  const limited = opts.limit === undefined ? fused : fused.slice(0, Math.max(0, opts.limit));
  return limited.map(({ order: _order, ...rest }) => rest);
}
