// searchMemory: full text always, vectors when an embedding model answers, and one line saying why
// when it does not. The real OpenAI-compatible embedder runs against the loopback fake server.
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Embedder } from '../../../src/agents/agent-types.js';
import { chooseEmbedder, NO_EMBEDDING_MODEL, searchMemory } from '../../../src/agents/semantic-search.js';
import { configSchema } from '../../../src/config/schema.js';
import { type MemoryStore, openMemory } from '../../../src/memory/memory-store.js';
import { type FakeServer, startFakeOpenAI } from '../../fixtures/fake-llm/fake-openai.js';
import { tempDir } from '../../memory/helpers.js';
import { wordEmbedder } from './word-embedder.js';

let tmp: ReturnType<typeof tempDir>;
let mem: MemoryStore;
let server: FakeServer | undefined;
const KEY = 'sk-test-semantic-0123456789';

beforeEach(() => {
  tmp = tempDir('aios-semantic-');
  mem = openMemory(path.join(tmp.dir, 'memory.db'));
});
afterEach(async () => {
  mem.close();
  await server?.close();
  server = undefined;
  tmp.cleanup();
});

function seed() {
  const s = mem.createSession();
  return {
    nginx: mem.addMessage({ sessionId: s, role: 'user', content: 'why does nginx keep restarting' }),
    disk: mem.addMessage({ sessionId: s, role: 'user', content: 'disk almost full on /var' }),
    cmd: mem.recordCommand({ argv: ['systemctl', 'restart', 'nginx'] }),
  };
}

const withModel = (model?: string) =>
  configSchema.parse(model === undefined ? {} : { llm: { embedding_model: model } });

/** A port nothing listens on: bound, then closed. */
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe('choosing the embedder', () => {
  it('has none without [llm] embedding_model, and says search is full-text only', () => {
    expect(chooseEmbedder(withModel())).toEqual({ off: NO_EMBEDDING_MODEL });
    expect(NO_EMBEDDING_MODEL).toBe('semantic search off: no [llm] embedding_model; full-text only');
  });

  it('turns a missing API key into a reason, not an error', () => {
    const choice = chooseEmbedder(withModel('text-embedding-3-small'), { env: {} });
    expect(choice).toEqual({
      off: expect.stringMatching(/^semantic search off: .*OPENAI_API_KEY.*; full-text only$/),
    });
  });

  it('builds the configured model with a key', () => {
    const choice = chooseEmbedder(withModel('text-embedding-3-small'), { env: { OPENAI_API_KEY: KEY } });
    expect('embedder' in choice && choice.embedder.model).toBe('text-embedding-3-small');
  });
});

describe('searchMemory', () => {
  it('is full text, every hit marked fts, without an embedding model', async () => {
    const { cmd } = seed();
    const result = await searchMemory(mem, { off: NO_EMBEDDING_MODEL }, 'systemctl');
    expect(result).toEqual({
      query: 'systemctl',
      mode: 'fulltext',
      reason: NO_EMBEDDING_MODEL,
      notices: [],
      hits: [expect.objectContaining({ kind: 'command', id: cmd, source: 'fts' })],
    });
    expect(mem.vectorStatus().vectors).toBe(0);
  });

  it('indexes pending rows, embeds the query and fuses both searches', async () => {
    const { nginx, cmd } = seed();
    const embedder = wordEmbedder();
    const result = await searchMemory(mem, { embedder }, 'nginx restarting');
    expect(result.mode).toBe('hybrid');
    expect(result.model).toBe('test-embed');
    expect(result.reason).toBeUndefined();
    expect(result.notices).toEqual(['vector index created for embedding model test-embed (64 dimensions)']);
    // FTS needs both words ("restart" is not "restarting"); the vectors share "nginx" with the command.
    expect(result.hits.map((h) => [h.kind, h.id, h.source])).toEqual([
      ['chat', nginx, 'both'],
      ['command', cmd, 'vector'],
    ]);
    expect(embedder.calls.at(-1)).toEqual(['nginx restarting']);
  });

  it('sends the query to the embedding model redacted', async () => {
    seed();
    const embedder = wordEmbedder();
    await searchMemory(mem, { embedder }, 'token=ghp_abcdefghijklmnopqrstuvwxyz0123456789 nginx');
    const query = embedder.calls.at(-1)?.join(' ') ?? '';
    expect(query).toContain('nginx');
    expect(query).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
  });

  it('indexes only a bounded batch before searching and says how many rows wait', async () => {
    for (let i = 0; i < 12; i++) mem.recordCommand({ argv: ['echo', `n${i}`] });
    const embedder = wordEmbedder();
    const result = await searchMemory(mem, { embedder }, 'echo', { indexLimit: 5 });
    expect(result.mode).toBe('hybrid');
    expect(result.notices).toContain(
      '7 older memory rows have no vectors yet: semantic hits come from the newest; later searches index more',
    );
    expect(mem.vectorStatus('test-embed').vectors).toBe(5);
  });

  it('searches with what is indexed when indexing runs out of time', async () => {
    // More rows than one batch of 64, so indexing needs a second batch.
    for (let i = 0; i < 70; i++) mem.recordCommand({ argv: ['echo', `old${i}`] });
    seed();
    let batches = 0;
    const fast = wordEmbedder('slow');
    const embedder: Embedder = {
      model: 'slow',
      // The first batch answers, the second hangs until the budget aborts it.
      embed: (texts, signal) =>
        texts.length === 1 || ++batches === 1
          ? fast.embed(texts)
          : new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
    };
    const result = await searchMemory(mem, { embedder }, 'nginx', { indexBudgetMs: 300 });
    expect(result.mode).toBe('hybrid');
    expect(result.notices).toContain('indexing stopped after 0 s; later searches continue it');
    expect(result.hits.length).toBeGreaterThan(0);
  });

  it('gives up on vectors at once when not one indexing batch answered in the budget', async () => {
    const { cmd } = seed();
    const embedder: Embedder = {
      model: 'hangs',
      embed: (_texts, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
    };
    const started = Date.now();
    const result = await searchMemory(mem, { embedder }, 'systemctl', {
      indexBudgetMs: 100,
      queryTimeoutMs: 60_000,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.mode).toBe('fulltext');
    expect(result.reason).toBe(
      'semantic search unavailable (embedding model hangs: no answer in 0 s); full-text only',
    );
    expect(result.hits.map((h) => h.id)).toEqual([cmd]);
  });

  it('keeps the full-text answer when the vector table is damaged', async () => {
    const { cmd } = seed();
    const embedder = wordEmbedder();
    await searchMemory(mem, { embedder }, 'nginx');
    mem.db.exec('DROP TABLE memory_vec');
    const result = await searchMemory(mem, { embedder }, 'systemctl', { indexLimit: 0 });
    expect(result.mode).toBe('fulltext');
    expect(result.reason).toMatch(
      /^semantic search unavailable \(vector index: .*memory_vec.*\); full-text only$/,
    );
    expect(result.hits.map((h) => h.id)).toEqual([cmd]);
  });

  it('falls back to full text with one line when the query cannot be embedded in time', async () => {
    const { cmd } = seed();
    const embedder: Embedder = {
      model: 'hangs',
      embed: (_texts, signal) =>
        new Promise((_resolve, reject) =>
          signal?.addEventListener('abort', () => reject(new Error('timed out'))),
        ),
    };
    const result = await searchMemory(mem, { embedder }, 'systemctl', { indexLimit: 0, queryTimeoutMs: 50 });
    expect(result.mode).toBe('fulltext');
    expect(result.reason).toBe(
      'semantic search unavailable (embedding model hangs: timed out); full-text only',
    );
    expect(result.hits.map((h) => h.id)).toEqual([cmd]);
  });

  it('says why when sqlite-vec cannot load, and still finds by full text', async () => {
    mem.close();
    mem = openMemory(path.join(tmp.dir, 'memory.db'), { vectorExtension: path.join(tmp.dir, 'nope.so') });
    const { cmd } = seed();
    const embedder = wordEmbedder();
    const result = await searchMemory(mem, { embedder }, 'systemctl');
    expect(result.mode).toBe('fulltext');
    expect(result.reason).toMatch(
      /^semantic search off: sqlite-vec could not be loaded: .*nope\.so.*; full-text only$/,
    );
    expect(result.hits.map((h) => h.id)).toEqual([cmd]);
    expect(embedder.calls).toEqual([]);
  });

  it('answers a query of punctuation only without an error', async () => {
    seed();
    const result = await searchMemory(mem, { embedder: wordEmbedder() }, '!!! ???');
    expect(result).toMatchObject({ mode: 'hybrid', hits: [] });
  });

  it('finds nothing by vectors for a query that shares nothing with memory', async () => {
    seed();
    const result = await searchMemory(mem, { embedder: wordEmbedder('w', 4096) }, 'zebra');
    expect(result).toMatchObject({ mode: 'hybrid', hits: [] });
  });

  describe('with the OpenAI-compatible embedder', () => {
    it('embeds through /v1/embeddings of the fake server and finds by meaning', async () => {
      server = await startFakeOpenAI([]);
      const { nginx, cmd } = seed();
      const choice = chooseEmbedder(withModel('text-embedding-3-small'), {
        env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url },
      });
      const result = await searchMemory(mem, choice, 'nginx restarts');
      expect(result.mode).toBe('hybrid');
      // The fake strips -ing/-s: "restarts" and "restarting" meet; full text alone finds nothing.
      expect(mem.search('nginx restarts')).toEqual([]);
      // "systemctl restart nginx" shares both words, the chat one; the disk message none.
      expect(result.hits.map((h) => [h.kind, h.id, h.source])).toEqual([
        ['command', cmd, 'vector'],
        ['chat', nginx, 'vector'],
      ]);
      const paths = server.requests.map((r) => r.path);
      expect(paths.every((p) => p.endsWith('/embeddings'))).toBe(true);
      expect(mem.vectorStatus('text-embedding-3-small')).toMatchObject({ dim: 64, vectors: 3, pending: 0 });
    });

    it('embeds through ollama without any API key', async () => {
      server = await startFakeOpenAI([]);
      const { nginx } = seed();
      const config = configSchema.parse({
        llm: { default_provider: 'ollama', embedding_model: 'nomic-embed-text' },
      });
      const result = await searchMemory(
        mem,
        chooseEmbedder(config, { env: { OLLAMA_HOST: server.host } }),
        'restarting',
      );
      expect(result).toMatchObject({ mode: 'hybrid', model: 'nomic-embed-text' });
      expect(result.hits[0]).toMatchObject({ id: nginx, source: 'both' });
      expect(server.requests.every((q) => (q.body as { model?: string }).model === 'nomic-embed-text')).toBe(
        true,
      );
    });

    it('falls back to full text with a one-line warning when the server is unreachable', async () => {
      const { cmd } = seed();
      const port = await deadPort();
      const choice = chooseEmbedder(withModel('text-embedding-3-small'), {
        env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` },
        maxRetries: 0,
      });
      const result = await searchMemory(mem, choice, 'systemctl');
      expect(result.mode).toBe('fulltext');
      expect(result.reason).toMatch(
        /^semantic search unavailable \(embedding model text-embedding-3-small: .*127\.0\.0\.1.*\); full-text only$/,
      );
      expect(result.reason).not.toContain('\n');
      expect(result.reason).not.toContain(KEY);
      expect(result.hits.map((h) => [h.id, h.source])).toEqual([[cmd, 'fts']]);
    });
  });
});
