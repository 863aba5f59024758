// One suite every provider passes against its loopback fake (openai and ollama speak the OpenAI
// wire, anthropic its own): text with and without streaming, tool-call round trips asserted on the
// recorded wire requests, retries, timeouts, unreachable servers, bad models, bad keys, cancels.
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentMessage, ProviderName } from '../../../src/agents/agent-types.js';
import { ProviderError } from '../../../src/agents/providers/provider-error.js';
import type { FakeServer } from '../../fixtures/fake-llm/fake-openai.js';
import type { RecordedRequest } from '../../fixtures/fake-llm/fake-script.js';
import {
  ask,
  closedPort,
  defaultConfig,
  PLANTED_KEY,
  PROVIDERS,
  providerFor,
  READ_FILE_TOOL,
  rejection,
  start,
} from './provider-harness.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function started(...args: Parameters<typeof start>) {
  const s = await start(...args);
  servers.push(s.server);
  return s;
}

/** The tool result of a recorded request, read in that wire's own shape. */
function toolResultIn(
  name: ProviderName,
  req: RecordedRequest,
): { id: string; content: string; isError?: boolean } {
  if (name === 'anthropic') {
    const last = req.body.messages.at(-1);
    expect(last.role).toBe('user');
    const block = last.content.find((b: { type: string }) => b.type === 'tool_result');
    return { id: block.tool_use_id, content: block.content, isError: block.is_error };
  }
  const last = req.body.messages.at(-1);
  expect(last.role).toBe('tool');
  return { id: last.tool_call_id, content: last.content };
}

/** The assistant tool call echoed back in a recorded request, in that wire's shape. */
function assistantCallIn(
  name: ProviderName,
  req: RecordedRequest,
): { id: string; name: string; args: unknown } {
  const msgs = req.body.messages;
  const assistant = msgs[msgs.length - 2];
  expect(assistant.role).toBe('assistant');
  if (name === 'anthropic') {
    const block = assistant.content.find((b: { type: string }) => b.type === 'tool_use');
    return { id: block.id, name: block.name, args: block.input };
  }
  const call = assistant.tool_calls[0];
  expect(call.type).toBe('function');
  return { id: call.id, name: call.function.name, args: JSON.parse(call.function.arguments) };
}

function expectOneLine(error: Error, name: ProviderName) {
  expect(error).toBeInstanceOf(ProviderError);
  expect(error.message).not.toMatch(/\n/);
  expect(error.message.length).toBeLessThanOrEqual(400);
  expect(error.message).not.toContain(PLANTED_KEY[name]);
}

describe.each(PROVIDERS)('the %s provider', (name) => {
  it('streams text as deltas and returns the whole text, usage, stop reason and model', async () => {
    const { server, provider } = await started(name, [{ text: 'Hello from the fake model.' }]);
    const deltas: string[] = [];
    const result = await provider.complete(ask('hi', { onText: (d) => deltas.push(d) }));
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Hello from the fake model.');
    expect(result.text).toBe('Hello from the fake model.');
    expect(result.toolCalls).toEqual([]);
    expect(result.stopReason).toBe('end');
    expect(result.model).toBe(provider.model);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(server.chatRequests[0]?.body.stream).toBe(true);
  });

  it('answers without streaming when no onText is given', async () => {
    const { server, provider } = await started(name, [
      { text: 'Plain answer.', usage: { input: 12, output: 3 } },
    ]);
    const result = await provider.complete(ask('hi'));
    expect(result).toMatchObject({
      text: 'Plain answer.',
      stopReason: 'end',
      usage: { inputTokens: 12, outputTokens: 3 },
    });
    expect(server.chatRequests[0]?.body.stream).toBeFalsy();
  });

  it('sends the system prompt, the tools and max tokens in the wire shape', async () => {
    const { server, provider } = await started(name, [{ text: 'ok' }]);
    await provider.complete(ask('hi', { system: 'SYSTEM PROMPT', tools: [READ_FILE_TOOL], maxTokens: 77 }));
    const body = server.chatRequests[0]?.body;
    if (name === 'anthropic') {
      expect(body.system).toBe('SYSTEM PROMPT');
      expect(body.max_tokens).toBe(77);
      expect(body.tools[0]).toMatchObject({ name: 'read_file', input_schema: READ_FILE_TOOL.parameters });
    } else {
      expect(body.messages[0]).toEqual({ role: 'system', content: 'SYSTEM PROMPT' });
      expect(body.max_tokens).toBe(77);
      expect(body.tools[0]).toEqual({ type: 'function', function: READ_FILE_TOOL });
    }
  });

  it.each([
    ['streaming', true],
    ['not streaming', false],
  ])(
    'round-trips a tool call (%s): the result goes back in the next request in the wire shape',
    async (_label, streaming) => {
      const { server, provider } = await started(name, [
        { text: 'Let me look.', toolCalls: [{ name: 'read_file', args: { path: '/etc/hostname' } }] },
        (req) => ({ text: `The host is ${toolResultIn(name, req).content}.` }),
      ]);
      const onText = streaming ? { onText: () => {} } : {};
      const messages: AgentMessage[] = [{ role: 'user', content: 'what is the hostname?' }];
      const first = await provider.complete(ask('', { messages, tools: [READ_FILE_TOOL], ...onText }));
      expect(first.stopReason).toBe('tool_calls');
      expect(first.text).toBe('Let me look.');
      expect(first.toolCalls).toHaveLength(1);
      const call = first.toolCalls[0]!;
      expect(call).toMatchObject({ name: 'read_file', args: { path: '/etc/hostname' } });
      expect(call.id).not.toBe('');
      expect(call.argsText).toBeUndefined();

      messages.push(
        { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
        { role: 'tool', toolCallId: call.id, name: call.name, content: 'web-01' },
      );
      const second = await provider.complete(ask('', { messages, tools: [READ_FILE_TOOL], ...onText }));
      expect(second.text).toBe('The host is web-01.');
      const sent = server.chatRequests[1]!;
      expect(toolResultIn(name, sent)).toMatchObject({ id: call.id, content: 'web-01' });
      expect(assistantCallIn(name, sent)).toEqual({
        id: call.id,
        name: 'read_file',
        args: { path: '/etc/hostname' },
      });
    },
  );

  it('carries a three-step conversation with parallel calls: every result goes back, in order', async () => {
    const { server, provider } = await started(name, [
      {
        toolCalls: [
          { name: 'read_file', args: { path: '/a' } },
          { name: 'read_file', args: { path: '/b' } },
        ],
      },
      { text: 'One more.', toolCalls: [{ name: 'read_file', args: { path: '/c' } }] },
      (req) => ({
        text: `saw ${JSON.stringify(req.body.messages)
          .match(/content-[abc]/g)
          ?.join(',')}`,
      }),
    ]);
    const messages: AgentMessage[] = [{ role: 'user', content: 'read a, b, then c' }];
    for (let step = 0; step < 3; step++) {
      const r = await provider.complete(ask('', { messages, tools: [READ_FILE_TOOL], onText: () => {} }));
      messages.push({ role: 'assistant', content: r.text, toolCalls: r.toolCalls });
      if (r.toolCalls.length === 0) break;
      for (const c of r.toolCalls) {
        messages.push({
          role: 'tool',
          toolCallId: c.id,
          name: c.name,
          content: `content-${String(c.args.path).slice(1)}`,
        });
      }
    }
    expect(messages.at(-1)).toMatchObject({
      role: 'assistant',
      content: 'saw content-a,content-b,content-c',
    });
    expect(server.chatRequests).toHaveLength(3);
    const second = server.chatRequests[1]!.body.messages;
    if (name === 'anthropic') {
      const results = second.at(-1).content.map((b: { tool_use_id: string; content: string }) => b.content);
      expect(results).toEqual(['content-a', 'content-b']);
    } else {
      expect(second.slice(-2).map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
        ['tool', 'content-a'],
        ['tool', 'content-b'],
      ]);
    }
  });

  it('returns several tool calls of one answer in order', async () => {
    const { provider } = await started(name, [
      {
        toolCalls: [
          { name: 'read_file', args: { path: '/a' } },
          { name: 'read_file', args: { path: '/b' } },
        ],
      },
    ]);
    const result = await provider.complete(ask('both', { tools: [READ_FILE_TOOL], onText: () => {} }));
    expect(result.toolCalls.map((c) => c.args)).toEqual([{ path: '/a' }, { path: '/b' }]);
    expect(new Set(result.toolCalls.map((c) => c.id)).size).toBe(2);
  });

  it('keeps unparseable tool arguments as argsText with empty args', async () => {
    const { provider } = await started(name, [
      { toolCalls: [{ name: 'read_file', args: '{"path": "/etc/ho' }] },
    ]);
    const result = await provider.complete(ask('x', { tools: [READ_FILE_TOOL], onText: () => {} }));
    expect(result.toolCalls[0]).toMatchObject({ name: 'read_file', args: {}, argsText: '{"path": "/etc/ho' });
  });

  it('marks a failed tool result as an error on the wire', async () => {
    const { server, provider } = await started(name, [{ text: 'ok' }]);
    await provider.complete(
      ask('', {
        messages: [
          { role: 'user', content: 'go' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 'c1', name: 'read_file', args: { path: '/x' } }],
          },
          { role: 'tool', toolCallId: 'c1', name: 'read_file', content: 'no such file', isError: true },
        ],
        tools: [READ_FILE_TOOL],
      }),
    );
    const result = toolResultIn(name, server.chatRequests[0]!);
    if (name === 'anthropic') expect(result).toMatchObject({ content: 'no such file', isError: true });
    else expect(result.content).toBe('error: no such file');
  });

  it('accepts a history with tool calls in a request that offers no tools', async () => {
    const { server, provider } = await started(name, [{ text: 'reviewed' }]);
    const result = await provider.complete(
      ask('', {
        messages: [
          { role: 'user', content: 'go' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 'c1', name: 'read_file', args: { path: '/x' } }],
          },
          { role: 'tool', toolCallId: 'c1', name: 'read_file', content: 'contents' },
          { role: 'user', content: 'was that safe?' },
        ],
      }),
    );
    expect(result.text).toBe('reviewed');
    const body = server.chatRequests[0]?.body;
    expect(body.tools).toBeUndefined();
    // Anthropic refuses tool blocks without tools, so the history travels as text there.
    if (name === 'anthropic') expect(JSON.stringify(body.messages)).not.toMatch(/tool_use|tool_result/);
    expect(JSON.stringify(body.messages)).toContain('contents');
  });

  it('retries a 429 and then succeeds', async () => {
    const { server, provider } = await started(name, [{ status: 429 }, { text: 'after the rate limit' }]);
    const result = await provider.complete(ask('hi', { onText: () => {} }));
    expect(result.text).toBe('after the rate limit');
    expect(server.chatRequests).toHaveLength(2);
  });

  it('retries a 500 and then succeeds', async () => {
    const { server, provider } = await started(name, [
      { status: 500 },
      { status: 503 },
      { text: 'recovered' },
    ]);
    const t0 = Date.now();
    const result = await provider.complete(ask('hi'));
    expect(result.text).toBe('recovered');
    expect(server.chatRequests).toHaveLength(3);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('gives up after its retries with a one-line server error', async () => {
    const { server, provider } = await started(name, [{ status: 500 }, { status: 500 }, { status: 500 }]);
    const error = await rejection(provider.complete(ask('hi')));
    expectOneLine(error, name);
    expect(error.message).toMatch(new RegExp(`^${name} server error 500 from http://127\\.0\\.0\\.1:\\d+`));
    expect(error.message).toContain('after 3 attempts');
    expect(server.chatRequests).toHaveLength(3);
  });

  it('does not sit through a huge Retry-After: fails at once and says how long the server asked', async () => {
    const { server, provider } = await started(name, [{ status: 429, headers: { 'retry-after': '3600' } }]);
    const t0 = Date.now();
    const error = await rejection(provider.complete(ask('hi')));
    expect(Date.now() - t0).toBeLessThan(2000);
    expectOneLine(error, name);
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429 });
    expect(error.message).toContain('wait 3600s');
    expect(server.chatRequests).toHaveLength(1);
  });

  it('times out a server that does not answer, with a one-line error and no hang', async () => {
    const { provider } = await started(name, [{ delayMs: 5000, text: 'too late' }], {
      timeoutMs: 200,
      maxRetries: 0,
    });
    const t0 = Date.now();
    const error = await rejection(provider.complete(ask('hi')));
    expect(Date.now() - t0).toBeLessThan(2000);
    expectOneLine(error, name);
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(error.message).toMatch(
      new RegExp(`^${name} timed out after 0\\.2s waiting for http://127\\.0\\.0\\.1`),
    );
  });

  it('times out a stream that stalls after the first chunk', async () => {
    const { provider } = await started(name, [{ text: 'one two three', stallMs: 5000 }], {
      timeoutMs: 300,
      maxRetries: 0,
    });
    const deltas: string[] = [];
    const t0 = Date.now();
    const error = await rejection(provider.complete(ask('hi', { onText: (d) => deltas.push(d) })));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(deltas).toEqual(['one ']);
    expect(error).toMatchObject({ kind: 'timeout' });
    expectOneLine(error, name);
  });

  it('times out a non-streamed answer whose body stalls halfway', async () => {
    const { provider } = await started(name, [{ text: 'one two three', stallMs: 5000 }], {
      timeoutMs: 300,
      maxRetries: 0,
    });
    const t0 = Date.now();
    const error = await rejection(provider.complete(ask('hi')));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(error).toMatchObject({ kind: 'timeout' });
    expectOneLine(error, name);
  });

  it.each([
    ['streaming', true],
    ['not streaming', false],
  ])(
    'waits for a slow model that sends keep-alives (%s), longer than the timeout',
    async (_label, streaming) => {
      const { provider } = await started(name, [{ text: 'thought hard', stallMs: 900, keepAliveMs: 100 }], {
        timeoutMs: 400,
        maxRetries: 0,
      });
      const result = await provider.complete(ask('hi', streaming ? { onText: () => {} } : {}));
      expect(result.text).toBe('thought hard');
    },
  );

  it('does not retry a timed-out attempt even with retries on: one request, one timeout', async () => {
    const { server, provider } = await started(name, (_req) => ({ delayMs: 5000 }), { timeoutMs: 200 });
    const t0 = Date.now();
    const error = await rejection(provider.complete(ask('hi')));
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(error.message).toMatch(new RegExp(`^${name} timed out after 0\\.2s`));
    expect(server.chatRequests).toHaveLength(1);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('reports an error event in the middle of a stream in one line, keeping nothing half-done', async () => {
    const { provider } = await started(name, [
      { text: 'partial answer here', streamError: 'overloaded, try later' },
    ]);
    const deltas: string[] = [];
    const error = await rejection(provider.complete(ask('hi', { onText: (d) => deltas.push(d) })));
    expectOneLine(error, name);
    expect(error).toMatchObject({ kind: 'server' });
    expect(error.message).toMatch(
      new RegExp(
        `^${name} failed mid-answer \\(from http://127\\.0\\.0\\.1:\\d+.*\\): overloaded, try later$`,
      ),
    );
    expect(deltas).toEqual(['partial ']);
  });

  it('reports a connection cut mid-stream as lost, not as a finished answer', async () => {
    const { server, provider } = await started(name, [{ text: 'partial answer here', disconnect: true }]);
    const t0 = Date.now();
    const error = await rejection(provider.complete(ask('hi', { onText: () => {} })));
    expect(Date.now() - t0).toBeLessThan(2000);
    expectOneLine(error, name);
    expect(error).toMatchObject({ kind: 'unreachable' });
    expect(error.message).toMatch(
      new RegExp(`^lost the connection to ${name} at http://127\\.0\\.0\\.1:\\d+.* mid-answer`),
    );
    // A started stream is never retried (the text already went to the user).
    expect(server.chatRequests).toHaveLength(1);
  });

  it('says it cannot reach an unreachable server: connection refused', async () => {
    const port = await closedPort();
    const url = name === 'anthropic' ? `http://127.0.0.1:${port}` : `http://127.0.0.1:${port}/v1`;
    const provider = providerFor(name, { url, host: `127.0.0.1:${port}` }, { maxRetries: 0 });
    const error = await rejection(provider.complete(ask('hi', { onText: () => {} })));
    expectOneLine(error, name);
    expect(error).toMatchObject({ kind: 'unreachable' });
    expect(error.message).toMatch(
      new RegExp(`^cannot reach ${name} at http://127\\.0\\.0\\.1:${port}.*: connection refused$`),
    );
  });

  it('names the model and the URL when the model does not exist (404)', async () => {
    const { server, provider } = await started(
      name,
      [{ text: 'never' }],
      { model: 'no-such-model' },
      { models: ['real-model'] },
    );
    const error = await rejection(provider.complete(ask('hi')));
    expectOneLine(error, name);
    expect(error).toMatchObject({ kind: 'model_not_found', status: 404 });
    expect(error.message).toContain(`model "no-such-model" not found at ${server.url}`);
  });

  it('reports a rejected key without ever showing it, even when the server echoes it', async () => {
    const { server, provider } = await started(
      name,
      [{ text: 'never' }],
      {},
      { apiKey: 'the-right-key-000000' },
    );
    const error = await rejection(provider.complete(ask('hi', { onText: () => {} })));
    expectOneLine(error, name);
    if (name === 'ollama') {
      // ollama needs no key: a server that wants one says 401 and we point at [llm.ollama] api_key.
      expect(error.message).toContain('[llm.ollama] api_key');
    } else {
      expect(error).toMatchObject({ kind: 'auth', status: 401 });
      expect(error.message).toContain(name === 'openai' ? 'OPENAI_API_KEY' : 'ANTHROPIC_API_KEY');
      // The key did reach the server (that is how it was rejected), just never our message.
      expect(JSON.stringify(server.requests[0]?.headers)).toContain(PLANTED_KEY[name]);
    }
  });

  it('honours an AbortSignal: a cancelled request ends at once as cancelled', async () => {
    const { provider } = await started(name, [{ text: 'slow words here', stallMs: 5000 }]);
    const controller = new AbortController();
    const t0 = Date.now();
    const pending = provider.complete(
      ask('hi', { signal: controller.signal, onText: () => controller.abort() }),
    );
    const error = await rejection(pending);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(error).toMatchObject({ kind: 'cancelled' });
    expect(error.message).toBe(`${name} request cancelled`);
  });

  it('a cancel does not wait out a retry backoff', async () => {
    const { server, provider } = await started(name, [
      { status: 503, headers: { 'retry-after': '10' } },
      { text: 'late' },
    ]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const t0 = Date.now();
    const error = await rejection(provider.complete(ask('hi', { signal: controller.signal })));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(error).toMatchObject({ kind: 'cancelled' });
    expect(server.chatRequests).toHaveLength(1);
  });

  it('refuses to start when the signal is already aborted, without a request', async () => {
    const { server, provider } = await started(name, [{ text: 'never' }]);
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(provider.complete(ask('hi', { signal: controller.signal })));
    expect(error).toMatchObject({ kind: 'cancelled' });
    expect(server.chatRequests).toHaveLength(0);
  });

  it('reports the length stop reason as max_tokens', async () => {
    const raw = name === 'anthropic' ? 'max_tokens' : 'length';
    const { provider } = await started(name, [
      { text: 'cut', stopReason: raw },
      { text: 'cut', stopReason: raw },
    ]);
    expect((await provider.complete(ask('hi'))).stopReason).toBe('max_tokens');
    expect((await provider.complete(ask('hi', { onText: () => {} }))).stopReason).toBe('max_tokens');
  });

  it('constructing a provider sends nothing', async () => {
    const { server } = await started(name, [{ text: 'never' }]);
    providerFor(name, server, {}, defaultConfig());
    await new Promise((r) => setTimeout(r, 50));
    expect(server.requests).toHaveLength(0);
  });
});
