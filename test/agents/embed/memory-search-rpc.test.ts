// The daemon's memory.search handler: hits (each with its source) as the result, how the search ran
// as a `search` notification first, the daemon's own config and environment for the embedder.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../../src/config/schema.js';
import { type MemoryStore, openMemory } from '../../../src/memory/memory-store.js';
import { memorySearchHandler } from '../../../src/runtime/memory-search-rpc.js';
import { RpcError } from '../../../src/runtime/rpc-server.js';
import { type FakeServer, startFakeOpenAI } from '../../fixtures/fake-llm/fake-openai.js';
import { tempDir } from '../../memory/helpers.js';

let tmp: ReturnType<typeof tempDir>;
let mem: MemoryStore;
let server: FakeServer | undefined;

beforeEach(() => {
  tmp = tempDir('aios-search-rpc-');
  mem = openMemory(path.join(tmp.dir, 'memory.db'));
  const s = mem.createSession();
  mem.addMessage({ sessionId: s, role: 'user', content: 'nginx keeps restarting' });
  mem.recordCommand({ argv: ['systemctl', 'status', 'nginx'] });
});
afterEach(async () => {
  mem.close();
  await server?.close();
  server = undefined;
  tmp.cleanup();
});

function call(handler: ReturnType<typeof memorySearchHandler>, params: Record<string, unknown>) {
  const notes: { method: string; params: unknown }[] = [];
  const result = handler(params, {
    notify: (method, p) => notes.push({ method, params: p }),
    peer: undefined,
    signal: new AbortController().signal,
  });
  return { result, notes };
}

describe('memory.search', () => {
  it('answers full-text hits and says why in a notification without an embedding model', async () => {
    const handler = memorySearchHandler({ memory: () => mem, config: () => configSchema.parse({}) });
    const { result, notes } = call(handler, { text: 'nginx', limit: 5 });
    const hits = (await result) as { kind: string; source: string }[];
    expect(hits.map((h) => h.source)).toEqual(['fts', 'fts']);
    expect(notes).toEqual([
      {
        method: 'search',
        params: {
          query: 'nginx',
          mode: 'fulltext',
          reason: 'semantic search off: no [llm] embedding_model; full-text only',
          notices: [],
        },
      },
    ]);
  });

  it('embeds with the daemon environment and fuses both searches', async () => {
    server = await startFakeOpenAI([]);
    const handler = memorySearchHandler({
      memory: () => mem,
      config: () => configSchema.parse({ llm: { embedding_model: 'text-embedding-3-small' } }),
      env: { OPENAI_API_KEY: 'sk-test-rpc-0123456789', OPENAI_BASE_URL: server.url },
    });
    const { result, notes } = call(handler, { text: 'nginx restarts', kind: 'chat', mark: ['<', '>'] });
    const hits = (await result) as { kind: string; source: string; snippet: string }[];
    expect(hits).toEqual([expect.objectContaining({ kind: 'chat', source: 'vector' })]);
    expect(hits[0]?.snippet).toBe('user: <nginx> keeps restarting');
    expect(notes[0]?.params).toMatchObject({ mode: 'hybrid', model: 'text-embedding-3-small' });
  });

  it('rejects an unknown kind as invalid params', async () => {
    const handler = memorySearchHandler({ memory: () => mem, config: () => configSchema.parse({}) });
    const error = await call(handler, { text: 'x', kind: 'nope' }).result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(-32602);
  });
});
