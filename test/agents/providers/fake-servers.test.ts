// The loopback fakes other tests rely on, checked with plain fetch: the API's conversation rules
// answered with 400, an exhausted script answered with a non-retried 400, embeddings in both
// encodings, the models list, and function steps seeing the request.
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../fixtures/fake-llm/fake-anthropic.js';
import { cosine, fakeEmbedding } from '../../fixtures/fake-llm/fake-embeddings.js';
import { type FakeServer, startFakeOpenAI } from '../../fixtures/fake-llm/fake-openai.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function post(url: string, body: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { error?: { message?: string }; [k: string]: unknown },
  };
}

describe('the fake OpenAI server', () => {
  it('answers 400 to a tool message that answers no call, like the API', async () => {
    const server = await startFakeOpenAI([{ text: 'never' }]);
    servers.push(server);
    const r = await post(`${server.url}/chat/completions`, {
      model: 'm',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'tool', tool_call_id: 'ghost', content: 'y' },
      ],
    });
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toContain("messages with role 'tool' must be a response");
    expect(server.pending).toBe(1);
  });

  it('answers 400 to a call left without a result, unless lenient', async () => {
    const messages = [
      { role: 'user', content: 'x' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'a', type: 'function', function: { name: 't', arguments: '{}' } }],
      },
      { role: 'user', content: 'y' },
    ];
    const strict = await startFakeOpenAI([{ text: 'never' }]);
    const lenient = await startFakeOpenAI([{ text: 'fine' }], { lenient: true });
    servers.push(strict, lenient);
    expect(
      (await post(`${strict.url}/chat/completions`, { model: 'm', messages })).body.error?.message,
    ).toContain('did not have response messages: a');
    expect((await post(`${lenient.url}/chat/completions`, { model: 'm', messages })).status).toBe(200);
  });

  it('answers 400 "script exhausted" once the script is used up, and lets function steps see the request', async () => {
    const server = await startFakeOpenAI([(req) => ({ text: `you said ${req.body.messages[0].content}` })]);
    servers.push(server);
    const first = await post(`${server.url}/chat/completions`, {
      model: 'm',
      messages: [{ role: 'user', content: 'ping' }],
    });
    expect((first.body.choices as { message: { content: string } }[])[0]?.message.content).toBe(
      'you said ping',
    );
    const second = await post(`${server.url}/chat/completions`, {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(second.status).toBe(400);
    expect(second.body.error?.message).toContain('script exhausted');
  });

  it('serves embeddings as floats or base64, and the models list', async () => {
    const server = await startFakeOpenAI([], { embeddingDim: 16, models: ['m', 'e'] });
    servers.push(server);
    const floats = await post(`${server.url}/embeddings`, { model: 'e', input: ['nginx restart'] });
    const b64 = await post(`${server.url}/embeddings`, {
      model: 'e',
      input: 'nginx restart',
      encoding_format: 'base64',
    });
    const fromFloats = (floats.body.data as { embedding: number[] }[])[0]!.embedding;
    const raw = Buffer.from((b64.body.data as { embedding: string }[])[0]!.embedding, 'base64');
    const fromB64 = Array.from(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4));
    expect(fromFloats).toEqual(fakeEmbedding('nginx restart', 16));
    expect(cosine(fromB64, fromFloats)).toBeCloseTo(1, 6);
    const models = (await (await fetch(`${server.url}/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual(['m', 'e']);
  });
});

describe('the fake Anthropic server', () => {
  it.each([
    [[{ role: 'assistant', content: 'hi' }], 'first message must use the "user" role'],
    [
      [
        { role: 'user', content: 'a' },
        { role: 'user', content: 'b' },
      ],
      'roles must alternate',
    ],
    [[{ role: 'user', content: [{ type: 'text', text: '' }] }], 'text content blocks must be non-empty'],
    [
      [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'x', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'r' }] },
      ],
      'must define tools',
    ],
  ])('answers 400 to %j', async (messages, problem) => {
    const server = await startFakeAnthropic([{ text: 'never' }]);
    servers.push(server);
    const r = await post(`${server.url}/v1/messages`, { model: 'm', max_tokens: 5, messages });
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toContain(problem);
  });

  it('answers 400 when a tool_use is not followed by its tool_result', async () => {
    const server = await startFakeAnthropic([{ text: 'never' }]);
    servers.push(server);
    const r = await post(`${server.url}/v1/messages`, {
      model: 'm',
      max_tokens: 5,
      tools: [{ name: 'x', input_schema: { type: 'object' } }],
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'x', input: {} }] },
        { role: 'user', content: 'forgot the result' },
      ],
    });
    expect(r.status).toBe(400);
    expect(r.body.error?.message).toContain('without `tool_result` blocks immediately after: t1');
  });
});
