// OpenAI-compatible servers that bend the wire (older ollama, small proxies, hand-written test
// servers): tool calls all at index 0, no index at all, arguments as an object, no usage, no [DONE],
// 'stop' with tool calls. The provider must still return the right calls. Raw node:http servers here,
// because the shared fake speaks the wire correctly on purpose.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createProvider } from '../../../src/agents/providers/create-provider.js';
import { configSchema } from '../../../src/config/schema.js';
import { startFakeAnthropic } from '../../fixtures/fake-llm/fake-anthropic.js';
import { startFakeOpenAI } from '../../fixtures/fake-llm/fake-openai.js';
import { ask, PLANTED_KEY, providerFor, READ_FILE_TOOL, rejection } from './provider-harness.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** A server answering every POST with `respond(body)`: a JSON object, or SSE `data:` payloads. */
async function rawServer(respond: (body: unknown) => { json?: unknown; sse?: unknown[]; done?: boolean }) {
  const server = http.createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const out = respond(JSON.parse(text || '{}'));
    if (out.json !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out.json));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const data of out.sse ?? []) res.write(`data: ${JSON.stringify(data)}\n\n`);
    if (out.done !== false) res.write('data: [DONE]\n\n');
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}

const provider = (url: string) =>
  createProvider(configSchema.parse({}), {
    provider: 'ollama',
    env: { OLLAMA_HOST: url.replace(/\/v1$/, '') },
  });
const chunk = (delta: unknown, finish: string | null = null) => ({
  id: 'x',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe('OpenAI-compatible quirks', () => {
  it('takes whole tool calls sent one per chunk, all at index 0, with "stop" as the finish reason', async () => {
    const url = await rawServer(() => ({
      sse: [
        chunk({ role: 'assistant', content: '' }),
        chunk({
          tool_calls: [
            {
              index: 0,
              id: 'a',
              type: 'function',
              function: { name: 'read_file', arguments: '{"path":"/a"}' },
            },
          ],
        }),
        chunk({
          tool_calls: [
            {
              index: 0,
              id: 'b',
              type: 'function',
              function: { name: 'read_file', arguments: '{"path":"/b"}' },
            },
          ],
        }),
        chunk({}, 'stop'),
      ],
    }));
    const result = await provider(url).complete(ask('x', { tools: [READ_FILE_TOOL], onText: () => {} }));
    expect(result.toolCalls).toEqual([
      { id: 'a', name: 'read_file', args: { path: '/a' } },
      { id: 'b', name: 'read_file', args: { path: '/b' } },
    ]);
    expect(result.stopReason).toBe('tool_calls');
    expect(result.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  it('takes tool calls with no index and no id, and a stream that ends without [DONE]', async () => {
    const url = await rawServer(() => ({
      done: false,
      sse: [
        chunk({ content: 'On it. ' }),
        chunk({ tool_calls: [{ function: { name: 'read_file', arguments: '{"path":' } }] }),
        chunk({}, 'tool_calls'),
      ],
    }));
    const result = await provider(url).complete(ask('x', { tools: [READ_FILE_TOOL], onText: () => {} }));
    expect(result.text).toBe('On it. ');
    expect(result.toolCalls).toHaveLength(1);
    expect(result.toolCalls[0]).toMatchObject({
      id: 'call_0',
      name: 'read_file',
      args: {},
      argsText: '{"path":',
    });
  });

  it('takes arguments sent as a JSON object instead of a string', async () => {
    const url = await rawServer(() => ({
      json: {
        id: 'x',
        object: 'chat.completion',
        created: 0,
        model: 'served-model',
        choices: [
          {
            index: 0,
            finish_reason: 'stop',
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                { id: 'c', type: 'function', function: { name: 'read_file', arguments: { path: '/x' } } },
              ],
            },
          },
        ],
      },
    }));
    const result = await provider(url).complete(ask('x', { tools: [READ_FILE_TOOL] }));
    expect(result).toMatchObject({
      text: '',
      toolCalls: [{ id: 'c', name: 'read_file', args: { path: '/x' } }],
      stopReason: 'tool_calls',
      model: 'served-model',
    });
  });

  it('reports a response without choices as a one-line bad response', async () => {
    const url = await rawServer(() => ({ json: { id: 'x', object: 'chat.completion', choices: [] } }));
    const error = await rejection(provider(url).complete(ask('x')));
    expect(error.message).toMatch(
      /^ollama: unexpected answer from http:\/\/127\.0\.0\.1:\d+\/v1: the response has no choices$/,
    );
  });

  it('passes a cost the server reports (OpenRouter style) through as costUsd', async () => {
    const server = await startFakeOpenAI([
      { text: 'a', usage: { costUsd: 0.0012 } },
      { text: 'b', usage: { costUsd: 0.5 } },
    ]);
    closers.push(server.close);
    const p = createProvider(configSchema.parse({}), {
      env: { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: server.url },
    });
    expect((await p.complete(ask('x'))).usage.costUsd).toBe(0.0012);
    expect((await p.complete(ask('x', { onText: () => {} }))).usage.costUsd).toBe(0.5);
  });

  it('switches to max_completion_tokens once when the model refuses max_tokens', async () => {
    const server = await startFakeOpenAI([
      {
        status: 400,
        errorMessage:
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      },
      { text: 'ok' },
      { text: 'again' },
    ]);
    closers.push(server.close);
    const p = createProvider(configSchema.parse({}), {
      env: { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: server.url },
    });
    expect((await p.complete(ask('x', { maxTokens: 50 }))).text).toBe('ok');
    expect((await p.complete(ask('x', { maxTokens: 60 }))).text).toBe('again');
    const bodies = server.chatRequests.map((r) => r.body);
    expect(bodies[0]).toMatchObject({ max_tokens: 50 });
    expect(bodies[1]).toMatchObject({ max_completion_tokens: 50 });
    expect(bodies[1].max_tokens).toBeUndefined();
    expect(bodies[2]).toMatchObject({ max_completion_tokens: 60 });
  });

  it('drops stream_options once when the server refuses it', async () => {
    const server = await startFakeOpenAI([
      { status: 400, errorMessage: 'Unrecognized request argument supplied: stream_options' },
      { text: 'streamed anyway' },
      { text: 'and again' },
    ]);
    closers.push(server.close);
    const p = createProvider(configSchema.parse({}), {
      env: { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: server.url },
    });
    expect((await p.complete(ask('x', { onText: () => {} }))).text).toBe('streamed anyway');
    expect((await p.complete(ask('x', { onText: () => {} }))).text).toBe('and again');
    const bodies = server.chatRequests.map((r) => r.body);
    expect(bodies[0].stream_options).toEqual({ include_usage: true });
    expect(bodies[1].stream_options).toBeUndefined();
    expect(bodies[2].stream_options).toBeUndefined();
  });

  it('a 400 that names no known field is reported, not retried', async () => {
    const server = await startFakeOpenAI([{ status: 400, errorMessage: 'messages: too long' }]);
    closers.push(server.close);
    const p = createProvider(configSchema.parse({}), {
      env: { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: server.url },
    });
    const error = await rejection(p.complete(ask('x')));
    expect(error.message).toMatch(
      /^openai rejected the request \(400 from http:\/\/127\.0\.0\.1:\d+\/v1\): messages: too long$/,
    );
    expect(server.chatRequests).toHaveLength(1);
  });

  it('suggests ollama pull when ollama does not have the model', async () => {
    const server = await startFakeOpenAI([
      { status: 404, errorMessage: 'model "qwen9" not found, try pulling it first' },
    ]);
    closers.push(server.close);
    const p = createProvider(configSchema.parse({}), {
      provider: 'ollama',
      model: 'qwen9',
      env: { OLLAMA_HOST: server.host },
    });
    const error = await rejection(p.complete(ask('x')));
    expect(error.message).toBe(
      `ollama: model "qwen9" not found at ${server.url} (404: model "qwen9" not found, try pulling it first; try: ollama pull qwen9)`,
    );
  });

  it('hints at a missing /v1 when an OpenAI-style base URL answers 404', async () => {
    const server = await startFakeOpenAI([{ status: 404, errorMessage: '404 page not found' }]);
    closers.push(server.close);
    const q = createProvider(configSchema.parse({ llm: { ollama: { base_url: server.origin } } }), {
      provider: 'ollama',
      env: {},
    });
    const error = await rejection(q.complete(ask('x')));
    expect(error.message).toBe(
      `ollama: model "llama3.1" not found at ${server.origin} (404: 404 page not found; does base_url need /v1?)`,
    );
  });
});

describe('servers that ignore "stream": true and answer one JSON body', () => {
  it.each(['openai', 'anthropic', 'ollama'] as const)(
    '%s: the answer still arrives, as one delta, with its tool calls',
    async (name) => {
      const script = [
        {
          text: 'whole answer',
          toolCalls: [{ name: 'read_file', args: { path: '/x' } }],
          usage: { input: 5, output: 7 },
        },
      ];
      const server =
        name === 'anthropic'
          ? await startFakeAnthropic(script, { ignoreStream: true })
          : await startFakeOpenAI(script, { ignoreStream: true });
      closers.push(server.close);
      const p = providerFor(name, server);
      const deltas: string[] = [];
      const result = await p.complete(ask('x', { tools: [READ_FILE_TOOL], onText: (d) => deltas.push(d) }));
      expect(server.chatRequests[0]?.body.stream).toBe(true);
      expect(deltas).toEqual(['whole answer']);
      expect(result).toMatchObject({
        text: 'whole answer',
        toolCalls: [{ name: 'read_file', args: { path: '/x' } }],
        stopReason: 'tool_calls',
        usage: { inputTokens: 5, outputTokens: 7 },
      });
    },
  );
});

describe('Anthropic auth headers', () => {
  it('sends the key both as x-api-key and as a Bearer token, and nothing from the environment', async () => {
    const server = await startFakeAnthropic([{ text: 'ok' }], { apiKey: PLANTED_KEY.anthropic });
    closers.push(server.close);
    const p = createProvider(configSchema.parse({}), {
      provider: 'anthropic',
      env: { ANTHROPIC_API_KEY: PLANTED_KEY.anthropic, ANTHROPIC_BASE_URL: server.url },
    });
    expect((await p.complete(ask('x'))).text).toBe('ok');
    const headers = server.requests[0]!.headers;
    expect(headers['x-api-key']).toBe(PLANTED_KEY.anthropic);
    expect(headers.authorization).toBe(`Bearer ${PLANTED_KEY.anthropic}`);
    expect(headers['anthropic-version']).toBeDefined();
  });
});
