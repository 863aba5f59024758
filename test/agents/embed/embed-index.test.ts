// indexPending: embeds memory rows that have no vector, in bounded batches, newest first, and stores
// what the embedding model returns. Driven by the word embedder double (no server).
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { indexPending } from '../../../src/agents/embed-index.js';
import { type MemoryStore, openMemory } from '../../../src/memory/memory-store.js';
import { tempDir } from '../../memory/helpers.js';
import { wordEmbedder } from './word-embedder.js';

let tmp: ReturnType<typeof tempDir>;
let mem: MemoryStore;

beforeEach(() => {
  tmp = tempDir('aios-embed-index-');
  mem = openMemory(path.join(tmp.dir, 'memory.db'));
});
afterEach(() => {
  mem.close();
  tmp.cleanup();
});

function commands(n: number): number[] {
  return Array.from({ length: n }, (_, i) => mem.recordCommand({ argv: ['echo', `row${i}`] }));
}

describe('indexPending', () => {
  it('embeds every row without a vector in batches and leaves nothing pending', async () => {
    commands(5);
    const embedder = wordEmbedder();
    const result = await indexPending(mem, embedder, { batchSize: 2 });
    expect(result).toEqual({
      embedded: 5,
      pending: 0,
      notices: ['vector index created for embedding model test-embed (64 dimensions)'],
    });
    expect(embedder.calls).toEqual([['echo row4', 'echo row3'], ['echo row2', 'echo row1'], ['echo row0']]);
    expect(mem.vectorStatus('test-embed')).toMatchObject({ vectors: 5, pending: 0 });
    // A second run has nothing to send.
    expect(await indexPending(mem, embedder)).toEqual({ embedded: 0, pending: 0, notices: [] });
    expect(embedder.calls).toHaveLength(3);
  });

  it('stops at its limit, newest rows first, and reports what is left', async () => {
    const ids = commands(10);
    const embedder = wordEmbedder();
    const result = await indexPending(mem, embedder, { limit: 4, batchSize: 3 });
    expect(result.embedded).toBe(4);
    expect(result.pending).toBe(6);
    expect(embedder.calls.map((c) => c.length)).toEqual([3, 1]);
    expect(mem.pendingVectors('test-embed', { limit: 100 }).map((p) => p.id)).toEqual(
      ids.slice(0, 6).reverse(),
    );
    // The next call continues with the older rows.
    expect((await indexPending(mem, embedder, { limit: 100 })).pending).toBe(0);
  });

  it('sends the model only stored, redacted text', async () => {
    const s = mem.createSession();
    mem.addMessage({
      sessionId: s,
      role: 'user',
      content: 'use OPENAI_API_KEY=sk-planted0123456789abcdefghij for it',
    });
    mem.recordCommand({
      argv: ['curl', '-H', 'Authorization: Bearer tok_live_0123456789abcdef', 'https://x'],
    });
    const embedder = wordEmbedder();
    await indexPending(mem, embedder);
    const sent = embedder.calls.flat().join('\n');
    expect(sent).toContain('[REDACTED]');
    expect(sent).not.toContain('sk-planted0123456789abcdefghij');
    expect(sent).not.toContain('tok_live_0123456789abcdef');
  });

  it('says so when a new embedding model re-creates the index', async () => {
    commands(2);
    await indexPending(mem, wordEmbedder('model-a', 32));
    const result = await indexPending(mem, wordEmbedder('model-b', 16));
    expect(result.notices).toEqual([
      'embedding model changed from model-a to model-b: vector index re-created, every row will be embedded again',
    ]);
    expect(mem.vectorStatus('model-b')).toMatchObject({ model: 'model-b', dim: 16, vectors: 2, pending: 0 });
  });

  it('throws the embedding failure as one line naming the model, keeping the batches stored before it', async () => {
    commands(4);
    const embedder = wordEmbedder('flaky');
    const embed = embedder.embed.bind(embedder);
    let calls = 0;
    embedder.embed = async (texts, signal) => {
      calls += 1;
      if (calls === 2) throw new Error('connect ECONNREFUSED 127.0.0.1:9\n    at TCPConnectWrap');
      return embed(texts, signal);
    };
    await expect(indexPending(mem, embedder, { batchSize: 2 })).rejects.toThrow(
      /^embedding model flaky: connect ECONNREFUSED 127\.0\.0\.1:9$/,
    );
    expect(mem.vectorStatus('flaky')).toMatchObject({ vectors: 2, pending: 2 });
  });

  it('redacts a key a failing server echoes back', async () => {
    commands(1);
    const embedder = wordEmbedder('echo');
    embedder.failWith = new Error('401 Incorrect API key provided: sk-proj-echoedkey0123456789abcdef');
    const error = await indexPending(mem, embedder).catch((e: Error) => e);
    expect(String(error)).not.toContain('sk-proj-echoedkey0123456789abcdef');
  });

  it('refuses a model that answers with the wrong number of vectors', async () => {
    commands(2);
    const embedder = wordEmbedder('short');
    const embed = embedder.embed.bind(embedder);
    embedder.embed = async (texts, signal) => (await embed(texts, signal)).slice(1);
    await expect(indexPending(mem, embedder)).rejects.toThrow(
      'embedding model short returned 1 vectors for 2 texts',
    );
    expect(mem.vectorStatus('short').vectors).toBe(0);
  });

  it('sends nothing when sqlite-vec is unavailable, and says why', async () => {
    mem.close();
    mem = openMemory(path.join(tmp.dir, 'memory.db'), { vectorExtension: false });
    commands(2);
    const embedder = wordEmbedder();
    const result = await indexPending(mem, embedder);
    expect(result).toEqual({
      embedded: 0,
      pending: 0,
      notices: [],
      unavailable: 'vector search is disabled for this store',
    });
    expect(embedder.calls).toEqual([]);
  });

  it('stops when its signal is aborted', async () => {
    commands(3);
    const controller = new AbortController();
    controller.abort();
    await expect(indexPending(mem, wordEmbedder(), { signal: controller.signal })).rejects.toThrow();
    expect(mem.vectorStatus().vectors).toBe(0);
  });
});
