// BackgroundIndexer: the daemon's way to keep vectors current: kicks coalesce, runs continue while
// rows are pending, failures are reported once and retried later, stop() ends it.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackgroundIndexer } from '../../../src/agents/background-indexer.js';
import { type MemoryStore, openMemory } from '../../../src/memory/memory-store.js';
import { tempDir } from '../../memory/helpers.js';
import { wordEmbedder } from './word-embedder.js';

let tmp: ReturnType<typeof tempDir>;
let mem: MemoryStore;
let indexer: BackgroundIndexer | undefined;

beforeEach(() => {
  tmp = tempDir('aios-bg-index-');
  mem = openMemory(path.join(tmp.dir, 'memory.db'));
});
afterEach(async () => {
  await indexer?.stop();
  indexer = undefined;
  mem.close();
  tmp.cleanup();
});

const rows = (n: number, tag = 'r') => {
  for (let i = 0; i < n; i++) mem.recordCommand({ argv: ['echo', `${tag}${i}`] });
};

describe('BackgroundIndexer', () => {
  it('coalesces a burst of kicks into one run and indexes everything pending', async () => {
    rows(5);
    const embedder = wordEmbedder();
    const notices: string[] = [];
    indexer = new BackgroundIndexer({
      memory: () => mem,
      embedder: () => embedder,
      delayMs: 10,
      onNotice: (m) => notices.push(m),
    });
    for (let i = 0; i < 10; i++) indexer.kick();
    await indexer.idle();
    expect(embedder.calls).toHaveLength(1);
    expect(mem.vectorStatus('test-embed')).toMatchObject({ vectors: 5, pending: 0 });
    expect(notices).toEqual(['vector index created for embedding model test-embed (64 dimensions)']);
  });

  it('keeps running while rows are pending, one bounded run at a time', async () => {
    rows(25);
    const embedder = wordEmbedder();
    indexer = new BackgroundIndexer({
      memory: () => mem,
      embedder: () => embedder,
      delayMs: 1,
      runLimit: 10,
    });
    indexer.kick();
    await indexer.idle();
    expect(mem.vectorStatus('test-embed')).toMatchObject({ vectors: 25, pending: 0 });
    expect(embedder.calls.map((c) => c.length)).toEqual([10, 10, 5]);
  });

  it('reports a failure once, retries later, and recovers', async () => {
    rows(3);
    const embedder = wordEmbedder('down');
    embedder.failWith = new Error('connect ECONNREFUSED 127.0.0.1:11434');
    const errors: string[] = [];
    indexer = new BackgroundIndexer({
      memory: () => mem,
      embedder: () => embedder,
      delayMs: 1,
      retryMs: 30,
      onError: (m) => errors.push(m),
    });
    indexer.kick();
    await new Promise((r) => setTimeout(r, 120));
    expect(errors).toEqual(['embedding model down: connect ECONNREFUSED 127.0.0.1:11434']);
    embedder.failWith = undefined;
    await indexer.idle();
    expect(mem.vectorStatus('down')).toMatchObject({ vectors: 3, pending: 0 });
  });

  it('does nothing without an embedding model, and nothing after stop', async () => {
    rows(2);
    let embedder: ReturnType<typeof wordEmbedder> | undefined;
    indexer = new BackgroundIndexer({ memory: () => mem, embedder: () => embedder, delayMs: 1 });
    indexer.kick();
    await indexer.idle();
    expect(mem.vectorStatus().vectors).toBe(0);
    embedder = wordEmbedder();
    await indexer.stop();
    indexer.kick();
    await indexer.idle();
    expect(embedder.calls).toEqual([]);
  });

  it('picks up rows added during a run with one more run', async () => {
    rows(2, 'a');
    const embedder = wordEmbedder();
    const embed = embedder.embed.bind(embedder);
    let first = true;
    embedder.embed = async (texts, signal) => {
      if (first) {
        first = false;
        rows(2, 'b');
        indexer?.kick();
      }
      return embed(texts, signal);
    };
    indexer = new BackgroundIndexer({ memory: () => mem, embedder: () => embedder, delayMs: 1 });
    indexer.kick();
    await indexer.idle();
    expect(mem.vectorStatus('test-embed')).toMatchObject({ vectors: 4, pending: 0 });
  });
});
