// Embeddings through the OpenAI-compatible /embeddings endpoint of the fake server, for openai and
// ollama: vectors equal the fake's deterministic ones, order and batching hold, similar texts score
// closer than unrelated ones, and failures are one-line ProviderErrors.
import { afterEach, describe, expect, it } from 'vitest';
import { createEmbedder } from '../../../src/agents/providers/create-provider.js';
import { EMBED_BATCH } from '../../../src/agents/providers/embedder.js';
import { configSchema } from '../../../src/config/schema.js';
import { cosine, fakeEmbedding } from '../../fixtures/fake-llm/fake-embeddings.js';
import { type FakeServer, startFakeOpenAI } from '../../fixtures/fake-llm/fake-openai.js';
import { closedPort, PLANTED_KEY, rejection } from './provider-harness.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const cfg = (more: Record<string, unknown> = {}) =>
  configSchema.parse({ llm: { embedding_model: 'text-embedding-3-small', ...more } });

async function fake(options = {}) {
  const server = await startFakeOpenAI([], options);
  servers.push(server);
  return server;
}

describe('the openai-compatible embedder', () => {
  it('returns the fake vectors, in input order, asking for floats', async () => {
    const server = await fake();
    const embedder = createEmbedder(cfg(), {
      env: { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: server.url },
    });
    const texts = ['restart nginx', 'disk is full', 'nginx restarted'];
    const vectors = await embedder!.embed(texts);
    expect(vectors).toHaveLength(3);
    vectors.forEach((v, i) => {
      expect(v).toBeInstanceOf(Float32Array);
      expect(Array.from(v)).toEqual(Array.from(new Float32Array(fakeEmbedding(texts[i]!))));
    });
    expect(server.requests[0]?.body).toMatchObject({
      model: 'text-embedding-3-small',
      encoding_format: 'float',
    });
    expect(cosine(vectors[0]!, vectors[2]!)).toBeGreaterThan(0.99);
    expect(cosine(vectors[0]!, vectors[1]!)).toBeLessThan(0.5);
  });

  it('works for ollama without a key, through OLLAMA_HOST', async () => {
    const server = await fake();
    const embedder = createEmbedder(
      cfg({ default_provider: 'ollama', embedding_model: 'nomic-embed-text' }),
      {
        env: { OLLAMA_HOST: server.host },
      },
    );
    const [v] = await embedder!.embed(['hello world']);
    expect(v).toHaveLength(64);
    expect(server.requests[0]?.body.model).toBe('nomic-embed-text');
  });

  it('splits large inputs into batches and keeps the order', async () => {
    const server = await fake({ embeddingDim: 8 });
    const embedder = createEmbedder(cfg(), {
      env: { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: server.url },
    });
    const texts = Array.from({ length: EMBED_BATCH + 5 }, (_, i) => `text number ${i} word${i}`);
    const vectors = await embedder!.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    expect(server.requests).toHaveLength(2);
    expect(Array.from(vectors[EMBED_BATCH + 4]!)).toEqual(
      Array.from(new Float32Array(fakeEmbedding(texts[EMBED_BATCH + 4]!, 8))),
    );
  });

  it('says the embedding model is not found at the URL (404)', async () => {
    const server = await fake({ models: ['other-model'] });
    const embedder = createEmbedder(cfg(), {
      env: { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: server.url },
    });
    const error = await rejection(embedder!.embed(['x']));
    expect(error.message).toBe(
      `openai: model "text-embedding-3-small" not found at ${server.url} (404: The model \`text-embedding-3-small\` does not exist or you do not have access to it.)`,
    );
  });

  it('says when the server is unreachable', async () => {
    const port = await closedPort();
    const embedder = createEmbedder(cfg(), {
      env: { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` },
      maxRetries: 0,
    });
    const error = await rejection(embedder!.embed(['x']));
    expect(error.message).toBe(
      `cannot reach openai at http://127.0.0.1:${port}/v1 (from OPENAI_BASE_URL): connection refused`,
    );
  });
});
