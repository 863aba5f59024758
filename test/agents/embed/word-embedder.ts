// A deterministic Embedder test double: a hashed bag of lowercased words, L2-normalised, so texts
// that share words are near and texts that share none are orthogonal-ish. Records every batch it is
// asked to embed, and can be told to fail like an unreachable server.
import type { Embedder } from '../../../src/agents/agent-types.js';

export interface WordEmbedder extends Embedder {
  /** Every embed() call's texts, in order. */
  readonly calls: string[][];
  /** When set, embed() rejects with this error (an unreachable server, a 400...). */
  failWith: Error | undefined;
}

export function wordEmbedding(text: string, dim: number): Float32Array {
  const v = new Float32Array(dim);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
    v[(h >>> 0) % dim] = (v[(h >>> 0) % dim] ?? 0) + 1;
  }
  const norm = Math.hypot(...v) || 1;
  for (let i = 0; i < dim; i++) v[i] = (v[i] ?? 0) / norm;
  return v;
}

export function wordEmbedder(model = 'test-embed', dim = 64): WordEmbedder {
  const embedder: WordEmbedder = {
    model,
    calls: [],
    failWith: undefined,
    async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
      signal?.throwIfAborted();
      if (embedder.failWith) throw embedder.failWith;
      embedder.calls.push([...texts]);
      return texts.map((t) => wordEmbedding(t, dim));
    },
  };
  return embedder;
}
