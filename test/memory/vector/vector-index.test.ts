// The vector index inside memory.db: sqlite-vec loaded into the store's connection, vectors keyed
// by memory row, one model at a time, pending rows found without rescanning what is done.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MemoryStore, openMemory } from '../../../src/memory/memory-store.js';
import { wordEmbedding } from '../../agents/embed/word-embedder.js';
import { tempDir } from '../helpers.js';

let tmp: ReturnType<typeof tempDir>;
let file: string;
let mem: MemoryStore;
const DIM = 64;
const MODEL = 'test-embed';

beforeEach(() => {
  tmp = tempDir('aios-vector-');
  file = path.join(tmp.dir, 'memory.db');
  mem = openMemory(file);
});
afterEach(() => {
  mem.close();
  tmp.cleanup();
});

/** Embeds every pending row with the word embedder, like indexPending does. */
function indexAll(store: MemoryStore, model = MODEL, dim = DIM) {
  const pending = store.pendingVectors(model, { limit: 10_000 });
  return store.storeVectors(
    model,
    pending.map((p) => ({ kind: p.kind, id: p.id, vector: wordEmbedding(p.text, dim) })),
  );
}

describe('the vector index', () => {
  it('loads sqlite-vec into the memory database', () => {
    const support = mem.vectorSupport();
    expect(support).toEqual({ ok: true, version: 'v0.1.9' });
    expect(mem.vectorStatus()).toEqual({ available: true, vectors: 0 });
  });

  it('stores vectors and finds the row nearest to a query by similarity', () => {
    const s = mem.createSession({ title: 't' });
    const nginx = mem.addMessage({ sessionId: s, role: 'user', content: 'restart the nginx web server' });
    mem.addMessage({ sessionId: s, role: 'user', content: 'what is the disk usage of /var' });
    const cron = mem.recordCommand({ argv: ['aios', 'apply', '--only', 'cron:backup'] });

    const result = indexAll(mem);
    expect(result.stored).toBe(3);
    expect(result.notice).toBe('vector index created for embedding model test-embed (64 dimensions)');

    const near = mem.vectorSearch(MODEL, wordEmbedding('nginx web server down', DIM), { limit: 2 });
    expect(near[0]).toMatchObject({ kind: 'chat', id: nginx });
    expect(near[0]?.distance).toBeLessThan(near[1]?.distance ?? 0);

    const backup = mem.vectorSearch(MODEL, wordEmbedding('cron backup', DIM), { limit: 1 });
    expect(backup).toEqual([expect.objectContaining({ kind: 'command', id: cron })]);
    expect(mem.vectorStatus(MODEL)).toEqual({
      available: true,
      model: MODEL,
      dim: DIM,
      vectors: 3,
      pending: 0,
    });
  });

  it('keys each vector by its memory row (kind, id) and records model and dimension', () => {
    const id = mem.recordToolCall({ tool: 'bash', args: { cmd: 'uptime' }, resultSummary: 'up 3 days' });
    indexAll(mem);
    const meta = mem.db.prepare('SELECT model, dim FROM vector_meta').get();
    expect(meta).toEqual({ model: MODEL, dim: DIM });
    const keys = mem.db.prepare('SELECT fts_rowid, embedded FROM vector_keys').all();
    expect(keys).toEqual([{ fts_rowid: id * 8 + 3, embedded: 1 }]);
    const vec = mem.db.prepare('SELECT rowid, kind FROM memory_vec').all();
    expect(vec).toEqual([{ rowid: id * 8 + 3, kind: 3 }]);
  });

  it('filters vector hits by kind', () => {
    const s = mem.createSession();
    mem.addMessage({ sessionId: s, role: 'user', content: 'nginx config reload' });
    const cmd = mem.recordCommand({ argv: ['nginx', '-s', 'reload'] });
    indexAll(mem);
    const hits = mem.vectorSearch(MODEL, wordEmbedding('nginx reload', DIM), { limit: 5, kind: 'command' });
    expect(hits).toEqual([expect.objectContaining({ kind: 'command', id: cmd })]);
    expect(mem.vectorSearch(MODEL, wordEmbedding('nginx', DIM), { kind: 'audit' })).toEqual([]);
  });

  it('lists rows without a vector newest first, leaving out audit rows and reconcile runs', () => {
    const a = mem.recordCommand({ argv: ['aios', 'diff'] });
    mem.appendAudit('apply', { ok: true });
    mem.startRun({ trigger: 'apply' });
    const b = mem.recordDecision({
      action: 'rm -rf /',
      verdict: 'deny',
      rule: 'dangerous',
      reason: 'no',
      source: 'cli',
    });
    const pending = mem.pendingVectors(MODEL, { limit: 10 });
    expect(pending.map((p) => [p.kind, p.id])).toEqual([
      ['decision', b],
      ['command', a],
    ]);
    expect(pending[1]?.text).toBe('aios diff');
  });

  it('embeds the stored (redacted) text, never what the caller first passed in', () => {
    const s = mem.createSession();
    mem.addMessage({
      sessionId: s,
      role: 'user',
      content: 'my key is sk-abcdefghijklmnopqrstuvwxyz0123456789 ok',
    });
    const [row] = mem.pendingVectors(MODEL);
    expect(row?.text).toContain('user: my key is');
    expect(row?.text).not.toContain('sk-abcdefghijklmnopqrstuvwxyz0123456789');
  });

  it('cuts long texts and collapses whitespace before they are embedded', () => {
    mem.recordEvent({
      resourceId: 'file:/etc/big',
      status: 'drift',
      label: 'external',
      diff: 'x\n\n  y '.repeat(2000),
    });
    const [row] = mem.pendingVectors(MODEL);
    expect(row?.text.length).toBe(2000);
    expect(row?.text).not.toMatch(/\s\s|\n/);
  });

  it('finds only new rows pending after everything was indexed, through the shared id', () => {
    for (let i = 0; i < 20; i++) mem.recordCommand({ argv: ['echo', String(i)] });
    indexAll(mem);
    expect(mem.pendingVectors(MODEL)).toEqual([]);
    const checked = () => mem.db.prepare('SELECT checked_upto FROM vector_meta').pluck().get() as number;
    expect(checked()).toBe(20);
    const fresh = mem.recordCommand({ argv: ['echo', 'new'] });
    expect(mem.vectorStatus(MODEL).pending).toBe(1);
    expect(mem.pendingVectors(MODEL).map((p) => p.id)).toEqual([fresh]);
    expect(checked()).toBe(fresh);
    const waiting = mem.db.prepare('SELECT fts_rowid FROM vector_keys WHERE embedded = 0').pluck().all();
    expect(waiting).toEqual([fresh * 8 + 1]);
  });

  it('hands out the older rows next when a batch covered only the newest', () => {
    const ids = Array.from({ length: 6 }, (_, i) => mem.recordCommand({ argv: ['echo', String(i)] }));
    const newest = mem.pendingVectors(MODEL, { limit: 2 });
    expect(newest.map((p) => p.id)).toEqual([ids[5], ids[4]]);
    mem.storeVectors(
      MODEL,
      newest.map((p) => ({ kind: p.kind, id: p.id, vector: wordEmbedding(p.text, DIM) })),
    );
    expect(mem.pendingVectors(MODEL, { limit: 100 }).map((p) => p.id)).toEqual(ids.slice(0, 4).reverse());
    const states = mem.db.prepare('SELECT embedded, count(*) AS n FROM vector_keys GROUP BY embedded').all();
    expect(states).toEqual([
      { embedded: 0, n: 4 },
      { embedded: 1, n: 2 },
    ]);
  });

  it('forgets a pending row that was deleted before it got a vector', () => {
    const a = mem.recordCommand({ argv: ['echo', 'a'] });
    indexAll(mem);
    const gone = mem.recordCommand({ argv: ['echo', 'gone'] });
    const kept = mem.recordCommand({ argv: ['echo', 'kept'] });
    expect(mem.pendingVectors(MODEL).map((p) => p.id)).toEqual([kept, gone]);
    mem.db.prepare('DELETE FROM commands WHERE id = ?').run(gone);
    expect(mem.pendingVectors(MODEL).map((p) => p.id)).toEqual([kept]);
    expect(
      mem.db
        .prepare('SELECT embedded FROM vector_keys WHERE fts_rowid = ?')
        .pluck()
        .get(gone * 8 + 1),
    ).toBe(2);
    expect(mem.vectorStatus(MODEL)).toMatchObject({ vectors: 1, pending: 1 });
    expect(a).toBeLessThan(gone);
  });

  it('skips rows another process indexed first instead of failing', () => {
    mem.recordCommand({ argv: ['uptime'] });
    const other = openMemory(file);
    try {
      const pending = mem.pendingVectors(MODEL);
      const items = pending.map((p) => ({ kind: p.kind, id: p.id, vector: wordEmbedding(p.text, DIM) }));
      expect(other.storeVectors(MODEL, items).stored).toBe(1);
      expect(mem.storeVectors(MODEL, items).stored).toBe(0);
      expect(mem.vectorStatus().vectors).toBe(1);
    } finally {
      other.close();
    }
  });

  it('re-creates the index when the embedding model changes, and says so', () => {
    mem.recordCommand({ argv: ['systemctl', 'status', 'nginx'] });
    mem.recordCommand({ argv: ['df', '-h'] });
    indexAll(mem, 'old-model', 32);
    expect(mem.vectorStatus('old-model')).toMatchObject({
      model: 'old-model',
      dim: 32,
      vectors: 2,
      pending: 0,
    });

    // Another model: every row is pending for it, and the old model's vectors are not used.
    expect(mem.pendingVectors('new-model')).toHaveLength(2);
    expect(mem.vectorSearch('new-model', wordEmbedding('nginx', 48))).toEqual([]);
    const result = indexAll(mem, 'new-model', 48);
    expect(result).toEqual({
      stored: 2,
      notice:
        'embedding model changed from old-model to new-model: vector index re-created, every row will be embedded again',
    });
    expect(mem.vectorStatus('new-model')).toMatchObject({
      model: 'new-model',
      dim: 48,
      vectors: 2,
      pending: 0,
    });
    expect(mem.vectorSearch('old-model', wordEmbedding('nginx', 32))).toEqual([]);
    expect(mem.vectorSearch('new-model', wordEmbedding('nginx', 48))[0]?.kind).toBe('command');
  });

  it('re-creates the index when the same model starts returning another dimension', () => {
    mem.recordCommand({ argv: ['uptime'] });
    indexAll(mem, MODEL, 32);
    mem.recordCommand({ argv: ['free', '-m'] });
    const pending = mem.pendingVectors(MODEL);
    expect(pending).toHaveLength(1);
    const result = mem.storeVectors(
      MODEL,
      pending.map((p) => ({ kind: p.kind, id: p.id, vector: wordEmbedding(p.text, 16) })),
    );
    expect(result.notice).toBe(
      'embedding model test-embed now returns 16 dimensions instead of 32: vector index re-created, every row will be embedded again',
    );
    expect(mem.vectorStatus(MODEL)).toMatchObject({ dim: 16, vectors: 1, pending: 1 });
  });

  it('refuses vectors of mixed lengths or with non-finite values, storing nothing', () => {
    const a = mem.recordCommand({ argv: ['a'] });
    const b = mem.recordCommand({ argv: ['b'] });
    expect(() =>
      mem.storeVectors(MODEL, [
        { kind: 'command', id: a, vector: new Float32Array(4).fill(0.5) },
        { kind: 'command', id: b, vector: new Float32Array(3).fill(0.5) },
      ]),
    ).toThrow(/different lengths \(4 and 3\)/);
    expect(() =>
      mem.storeVectors(MODEL, [{ kind: 'command', id: a, vector: new Float32Array([1, Number.NaN]) }]),
    ).toThrow(/non-finite/);
    expect(mem.vectorStatus(MODEL)).toMatchObject({ vectors: 0, pending: 2 });
  });

  it('keeps vectors across reopening the database', () => {
    const id = mem.recordCommand({ argv: ['journalctl', '-u', 'nginx'] });
    indexAll(mem);
    mem.close();
    mem = openMemory(file);
    expect(mem.vectorSearch(MODEL, wordEmbedding('journalctl nginx', DIM), { limit: 1 })).toEqual([
      expect.objectContaining({ kind: 'command', id }),
    ]);
    expect(mem.pendingVectors(MODEL)).toEqual([]);
  });

  it('adds its tables by a new migration to a database written before vectors existed', () => {
    mem.close();
    const raw = new Database(file);
    raw.exec('DROP TABLE vector_meta; DROP TABLE vector_keys; PRAGMA user_version = 2;');
    raw.close();
    mem = openMemory(file);
    expect(mem.db.pragma('user_version', { simple: true })).toBe(3);
    expect(mem.vectorStatus()).toEqual({ available: true, vectors: 0 });
  });
});

describe('without sqlite-vec', () => {
  it('says why vectors are off and keeps full-text search working', () => {
    mem.close();
    mem = openMemory(file, { vectorExtension: path.join(tmp.dir, 'missing-vec0.so') });
    const id = mem.recordCommand({ argv: ['apt-get', 'install', 'nginx'] });
    const support = mem.vectorSupport();
    expect(support.ok).toBe(false);
    expect(support.ok ? '' : support.reason).toMatch(/^sqlite-vec could not be loaded: .*missing-vec0\.so/);
    expect(mem.vectorStatus()).toMatchObject({ available: false, vectors: 0 });
    expect(() => mem.storeVectors(MODEL, [{ kind: 'command', id, vector: wordEmbedding('x', DIM) }])).toThrow(
      /^vector search is off: sqlite-vec could not be loaded/,
    );
    expect(mem.search('nginx').map((h) => h.id)).toEqual([id]);
    expect(mem.hybridSearch('nginx', undefined).map((h) => [h.id, h.source])).toEqual([[id, 'fts']]);
  });

  it('opens a database whose vector table it cannot read, for everything but vectors', () => {
    mem.recordCommand({ argv: ['uptime'] });
    indexAll(mem);
    mem.close();
    mem = openMemory(file, { vectorExtension: false });
    const id = mem.recordCommand({ argv: ['uptime', '-p'] });
    expect(mem.search('uptime').map((h) => h.id)).toContain(id);
    expect(mem.history({ limit: 5 })).toHaveLength(2);
    expect(mem.vectorSupport()).toEqual({ ok: false, reason: 'vector search is disabled for this store' });
  });
});
