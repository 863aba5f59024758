// Reciprocal rank fusion of full-text and vector hits: the pure fusion on hand-made lists, then the
// store's hybrid search over a real memory.db with the word embedder.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fuseRrf, RRF_K } from '../../../src/memory/hybrid-search.js';
import { type MemoryStore, openMemory } from '../../../src/memory/memory-store.js';
import { wordEmbedding } from '../../agents/embed/word-embedder.js';
import { tempDir } from '../helpers.js';

describe('reciprocal rank fusion', () => {
  it('ranks a hit found by both searches first, then single-list hits by rank, full text first on ties', () => {
    const fused = fuseRrf(['a', 'b', 'c'], ['d', 'c', 'e']);
    expect(fused.map((f) => [f.key, f.source])).toEqual([
      ['c', 'both'],
      ['a', 'fts'],
      ['d', 'vector'],
      ['b', 'fts'],
      ['e', 'vector'],
    ]);
    expect(fused[0]).toEqual({ key: 'c', score: 1 / 63 + 1 / 62, source: 'both', ftsRank: 3, vectorRank: 2 });
    expect(fused[1]).toEqual({ key: 'a', score: 1 / 61, source: 'fts', ftsRank: 1 });
    expect(fused[2]).toEqual({ key: 'd', score: 1 / 61, source: 'vector', vectorRank: 1 });
    expect(RRF_K).toBe(60);
  });

  it('lets agreement within the top 61 of both lists beat the top hit of one list', () => {
    const fts = ['only-fts', ...Array.from({ length: 59 }, (_, i) => `f${i}`), 'shared'];
    const vector = ['only-vec', ...Array.from({ length: 59 }, (_, i) => `v${i}`), 'shared'];
    expect(fuseRrf(fts, vector)[0]?.key).toBe('shared');
    const deeper = ['only-fts', ...Array.from({ length: 70 }, (_, i) => `f${i}`), 'shared'];
    expect(
      fuseRrf(deeper, [...vector.slice(0, 60), ...Array.from({ length: 11 }, (_, i) => `w${i}`), 'shared'])[0]
        ?.key,
    ).toBe('only-fts');
  });

  it('keeps the best rank of a key repeated in one list, and honours k and limit', () => {
    const fused = fuseRrf(['x', 'y', 'x'], [], { k: 1, limit: 1 });
    expect(fused).toEqual([{ key: 'x', score: 1 / 2, source: 'fts', ftsRank: 1 }]);
    expect(fuseRrf([], [])).toEqual([]);
    expect(fuseRrf([], ['v'])).toEqual([{ key: 'v', score: 1 / 61, source: 'vector', vectorRank: 1 }]);
  });
});

describe('hybrid search over memory', () => {
  let tmp: ReturnType<typeof tempDir>;
  let mem: MemoryStore;
  const MODEL = 'test-embed';
  const DIM = 64;
  const query = (text: string) => ({ model: MODEL, vector: wordEmbedding(text, DIM) });

  beforeEach(() => {
    tmp = tempDir('aios-hybrid-');
    mem = openMemory(path.join(tmp.dir, 'memory.db'));
  });
  afterEach(() => {
    mem.close();
    tmp.cleanup();
  });

  function indexAll() {
    const pending = mem.pendingVectors(MODEL, { limit: 10_000 });
    mem.storeVectors(
      MODEL,
      pending.map((p) => ({ kind: p.kind, id: p.id, vector: wordEmbedding(p.text, DIM) })),
    );
  }

  it('merges full-text and vector hits and marks where each came from', () => {
    const s = mem.createSession();
    // Full text needs every query word; the word embedder is near on any shared word.
    const both = mem.addMessage({ sessionId: s, role: 'user', content: 'nginx web server returns 502' });
    const vectorOnly = mem.addMessage({ sessionId: s, role: 'assistant', content: 'the web proxy is down' });
    mem.recordCommand({ argv: ['df', '-h'] });
    indexAll();
    // Recorded after indexing: no vector yet, so only full text can find it.
    const ftsOnly = mem.recordCommand({ argv: ['curl', 'nginx', 'web', 'check'] });

    const hits = mem.hybridSearch('nginx web', query('nginx web'), { limit: 10 });
    const byId = new Map(hits.map((h) => [h.id, h]));
    expect(hits[0]).toMatchObject({ kind: 'chat', id: both, source: 'both', ftsRank: 2, vectorRank: 1 });
    expect(hits[0]?.snippet).toBe('user: [nginx] [web] server returns 502');
    expect(hits[0]?.score).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(byId.get(ftsOnly)).toMatchObject({ kind: 'command', source: 'fts', ftsRank: 1 });
    expect(byId.get(ftsOnly)?.distance).toBeUndefined();
    expect(byId.get(vectorOnly)).toMatchObject({
      source: 'vector',
      snippet: 'assistant: the [web] proxy is down',
    });
    expect(byId.get(vectorOnly)?.distance).toBeGreaterThan(0);
    // Scores are RRF scores, best first.
    const scores = hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('finds by meaning what full text cannot, with the query words absent from the row', () => {
    const s = mem.createSession();
    const id = mem.addMessage({ sessionId: s, role: 'user', content: 'reload firewall rules after boot' });
    indexAll();
    expect(mem.search('firewall boot reload rules please')).toEqual([]);
    const hits = mem.hybridSearch(
      'firewall boot reload rules please',
      query('firewall boot reload rules please'),
    );
    expect(hits.map((h) => [h.id, h.source])).toEqual([[id, 'vector']]);
  });

  it('is the plain full-text search, marked fts, without a query vector', () => {
    const id = mem.recordCommand({ argv: ['systemctl', 'restart', 'nginx'] });
    const hits = mem.hybridSearch('nginx', undefined);
    expect(hits).toEqual([
      expect.objectContaining({
        id,
        kind: 'command',
        source: 'fts',
        ftsRank: 1,
        score: mem.search('nginx')[0]?.score,
      }),
    ]);
  });

  it('applies the kind filter to both searches', () => {
    const s = mem.createSession();
    mem.addMessage({ sessionId: s, role: 'user', content: 'nginx logs' });
    const cmd = mem.recordCommand({ argv: ['tail', 'nginx', 'logs'] });
    indexAll();
    const hits = mem.hybridSearch('nginx logs', query('nginx logs'), { kind: 'command' });
    expect(hits.map((h) => [h.kind, h.id, h.source])).toEqual([['command', cmd, 'both']]);
  });

  it('answers full-text hits for kinds that never get vectors (audit, reconcile)', () => {
    mem.appendAudit('apply', { resource: 'service:nginx' });
    const run = mem.startRun({ trigger: 'nginx-watch' });
    indexAll();
    const audit = mem.hybridSearch('nginx', query('nginx'), { kind: 'audit' });
    expect(audit.map((h) => [h.kind, h.source])).toEqual([['audit', 'fts']]);
    const runs = mem.hybridSearch('nginx', query('nginx'), { kind: 'reconcile' });
    expect(runs.map((h) => [h.id, h.source])).toEqual([[run, 'fts']]);
    expect(mem.vectorStatus().vectors).toBe(0);
  });

  it('skips a vector hit whose row was deleted after it was embedded', () => {
    const s = mem.createSession();
    const gone = mem.addMessage({ sessionId: s, role: 'user', content: 'temporary scratch note' });
    indexAll();
    mem.db.prepare('DELETE FROM chat_messages WHERE id = ?').run(gone);
    expect(mem.vectorSearch(MODEL, wordEmbedding('scratch note', DIM)).map((m) => m.id)).toEqual([gone]);
    expect(mem.hybridSearch('scratch note', query('scratch note'))).toEqual([]);
  });

  it('returns at most limit hits', () => {
    for (let i = 0; i < 30; i++) mem.recordCommand({ argv: ['echo', 'nginx', String(i)] });
    indexAll();
    expect(mem.hybridSearch('nginx', query('nginx'), { limit: 7 })).toHaveLength(7);
  });
});
