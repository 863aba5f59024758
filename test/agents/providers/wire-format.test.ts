// The pure translations between AgentMessage[] and each wire format, the argument parsing, the
// stop-reason mapping, the retry-hint rewriting and the redaction helpers: no server needed.
import { describe, expect, it } from 'vitest';
import type { AgentMessage } from '../../../src/agents/agent-types.js';
import {
  anthropicStopReason,
  toAnthropicMessages,
  toAnthropicTools,
} from '../../../src/agents/providers/anthropic-wire.js';
import { jsonAnswerAsSse, requestsStream } from '../../../src/agents/providers/json-as-sse.js';
import { openAIStopReason, toOpenAIMessages } from '../../../src/agents/providers/openai-wire.js';
import { displayUrl, oneLine, redact } from '../../../src/agents/providers/provider-error.js';
import {
  makeProviderFetch,
  RETRY_AFTER_SECONDS_HEADER,
  retryAfterMs,
} from '../../../src/agents/providers/provider-fetch.js';
import { toolCall } from '../../../src/agents/providers/tool-args.js';
import { MISSING_RESULT, pairToolResults } from '../../../src/agents/providers/tool-pairing.js';

const conversation: AgentMessage[] = [
  { role: 'user', content: 'fix nginx' },
  {
    role: 'assistant',
    content: '',
    toolCalls: [
      { id: 'c1', name: 'read_file', args: { path: '/etc/nginx/nginx.conf' } },
      { id: 'c2', name: 'service_status', args: { name: 'nginx' } },
    ],
  },
  { role: 'tool', toolCallId: 'c1', name: 'read_file', content: 'worker_processes 1;' },
  { role: 'tool', toolCallId: 'c2', name: 'service_status', content: 'failed', isError: true },
  { role: 'user', content: 'and?' },
  { role: 'assistant', content: 'It is fixed.' },
];

describe('the OpenAI wire', () => {
  it('puts the system prompt first, tool calls on the assistant, results as role tool', () => {
    expect(toOpenAIMessages('SYS', conversation)).toEqual([
      { role: 'system', content: 'SYS' },
      { role: 'user', content: 'fix nginx' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'c1',
            type: 'function',
            function: { name: 'read_file', arguments: '{"path":"/etc/nginx/nginx.conf"}' },
          },
          { id: 'c2', type: 'function', function: { name: 'service_status', arguments: '{"name":"nginx"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'worker_processes 1;' },
      { role: 'tool', tool_call_id: 'c2', content: 'error: failed' },
      { role: 'user', content: 'and?' },
      { role: 'assistant', content: 'It is fixed.' },
    ]);
  });

  it('omits an empty system prompt and sends unparseable arguments back as the model wrote them', () => {
    const out = toOpenAIMessages('', [
      { role: 'assistant', content: 'x', toolCalls: [{ id: 'c', name: 't', args: {}, argsText: '{oops' }] },
      { role: 'tool', toolCallId: 'c', name: 't', content: 'bad arguments', isError: true },
    ]);
    expect(out).toEqual([
      {
        role: 'assistant',
        content: 'x',
        tool_calls: [{ id: 'c', type: 'function', function: { name: 't', arguments: '{oops' } }],
      },
      { role: 'tool', tool_call_id: 'c', content: 'error: bad arguments' },
    ]);
  });

  it.each([
    ['stop', false, 'end'],
    [null, false, 'end'],
    ['tool_calls', true, 'tool_calls'],
    ['stop', true, 'tool_calls'],
    ['length', false, 'max_tokens'],
    ['length', true, 'max_tokens'],
    ['content_filter', false, 'content_filter'],
  ] as const)('maps finish_reason %s (tool calls: %s) to %s', (raw, calls, want) => {
    expect(openAIStopReason(raw, calls)).toBe(want);
  });
});

describe('the Anthropic wire', () => {
  it('uses tool_use blocks, merges consecutive tool results and the next user text into one user turn', () => {
    expect(toAnthropicMessages(conversation)).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'fix nginx' }] },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'c1', name: 'read_file', input: { path: '/etc/nginx/nginx.conf' } },
          { type: 'tool_use', id: 'c2', name: 'service_status', input: { name: 'nginx' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'c1', content: 'worker_processes 1;' },
          { type: 'tool_result', tool_use_id: 'c2', content: 'failed', is_error: true },
          { type: 'text', text: 'and?' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'It is fixed.' }] },
    ]);
  });

  it('writes calls and results out as text when the request defines no tools', () => {
    const msgs = toAnthropicMessages(conversation.slice(0, 4), false);
    expect(msgs).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'fix nginx' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: '[called tool read_file with {"path":"/etc/nginx/nginx.conf"}]' },
          { type: 'text', text: '[called tool service_status with {"name":"nginx"}]' },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'text', text: '[result of tool read_file]\nworker_processes 1;' },
          { type: 'text', text: '[error from tool service_status]\nfailed' },
        ],
      },
    ]);
    expect(JSON.stringify(msgs)).not.toMatch(/tool_use|tool_result/);
  });

  it('drops empty texts (the API rejects empty text blocks)', () => {
    expect(
      toAnthropicMessages([
        { role: 'user', content: '' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: '' },
      ]),
    ).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  it('gives every tool schema a top-level type object', () => {
    const [tool] = toAnthropicTools([{ name: 't', description: 'd', parameters: { properties: {} } }]);
    expect(tool).toEqual({ name: 't', description: 'd', input_schema: { type: 'object', properties: {} } });
  });

  it.each([
    ['end_turn', false, 'end'],
    ['stop_sequence', false, 'end'],
    ['tool_use', true, 'tool_calls'],
    ['max_tokens', false, 'max_tokens'],
    ['refusal', false, 'refusal'],
  ] as const)('maps stop_reason %s to %s', (raw, calls, want) => {
    expect(anthropicStopReason(raw, calls)).toBe(want);
  });
});

describe('tool arguments', () => {
  it.each([
    ['{"a":1}', { args: { a: 1 } }],
    ['', { args: {} }],
    ['  ', { args: {} }],
    ['[1,2]', { args: {}, argsText: '[1,2]' }],
    ['"text"', { args: {}, argsText: '"text"' }],
    ['null', { args: {}, argsText: 'null' }],
    ['{"a":', { args: {}, argsText: '{"a":' }],
  ])('%j becomes %j', (text, want) => {
    expect(toolCall('id', 'name', text)).toEqual({ id: 'id', name: 'name', ...want });
  });
});

describe('retry hints', () => {
  const h = (init: Record<string, string>) => new Headers(init);
  it('reads retry-after-ms, retry-after seconds and HTTP dates', () => {
    expect(retryAfterMs(h({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(h({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(h({ 'retry-after': '0' }))).toBe(0);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryAfterMs(h({}))).toBeUndefined();
    expect(retryAfterMs(h({ 'retry-after': 'soon' }))).toBeUndefined();
  });

  const respond = (status: number, headers: Record<string, string>) =>
    makeProviderFetch({
      idleMs: 1000,
      maxRetryWaitMs: 20_000,
      inner: async () => new Response('{}', { status, headers }),
    })('http://x/');

  it('turns "retry-after: 0" into a 1 ms retry-after-ms both SDKs take literally', async () => {
    const res = await respond(429, { 'retry-after': '0' });
    expect(res.headers.get('retry-after-ms')).toBe('1');
    expect(res.headers.get('retry-after')).toBeNull();
    expect(res.headers.get('x-should-retry')).toBeNull();
    expect(res.status).toBe(429);
  });

  it('turns a wait beyond the cap into "do not retry", keeping how long was asked', async () => {
    const res = await respond(503, { 'retry-after': '3600' });
    expect(res.headers.get('x-should-retry')).toBe('false');
    expect(res.headers.get(RETRY_AFTER_SECONDS_HEADER)).toBe('3600');
  });

  it('leaves successful responses and hint-less errors alone', async () => {
    const ok = await respond(200, { 'retry-after': '5' });
    expect(ok.headers.get('retry-after')).toBe('5');
    const bare = await respond(500, {});
    expect(bare.headers.get('retry-after-ms')).toBeNull();
  });
});

describe('messages', () => {
  it('redacts given secrets, key-shaped strings, bearer tokens and URL credentials', () => {
    expect(redact('key abcdefgh12 and sk-proj-AAAAAAAAAAAA, Bearer zzzzzzzzzzzz', ['abcdefgh12'])).toBe(
      'key **** and ****, ****',
    );
    expect(redact('see http://bob:secret@host:1/v1', [])).toBe('see http://host:1/v1');
    expect(redact('ollama is fine', ['ollama'])).toBe('ollama is fine');
  });

  it('makes one capped line', () => {
    expect(oneLine('a\n  b\tc')).toBe('a b c');
    expect(oneLine('x'.repeat(500))).toHaveLength(400);
  });

  it('shows URLs without credentials, query or trailing slash', () => {
    expect(displayUrl('https://u:p@api.example.com/v1/?key=1')).toBe('https://api.example.com/v1');
  });
});

describe('pairing tool calls with results', () => {
  const call = (id: string) => ({ id, name: 't', args: {} });
  it('leaves a well-paired conversation exactly as it is', () => {
    expect(pairToolResults(conversation)).toEqual(conversation);
  });

  it('answers calls left without a result (a cancelled turn) with an error result, in call order', () => {
    const msgs: AgentMessage[] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: '', toolCalls: [call('a'), call('b')] },
      { role: 'tool', toolCallId: 'b', name: 't', content: 'B' },
      { role: 'user', content: 'next' },
    ];
    expect(pairToolResults(msgs)).toEqual([
      msgs[0],
      msgs[1],
      { role: 'tool', toolCallId: 'a', name: 't', content: MISSING_RESULT, isError: true },
      msgs[2],
      msgs[3],
    ]);
  });

  it('drops tool results that answer no call, and duplicate results', () => {
    const msgs: AgentMessage[] = [
      { role: 'user', content: 'go' },
      { role: 'tool', toolCallId: 'ghost', name: 't', content: 'orphan' },
      { role: 'assistant', content: '', toolCalls: [call('a')] },
      { role: 'tool', toolCallId: 'a', name: 't', content: 'A' },
      { role: 'tool', toolCallId: 'a', name: 't', content: 'A again' },
      { role: 'tool', toolCallId: 'zzz', name: 't', content: 'stray' },
    ];
    expect(pairToolResults(msgs)).toEqual([msgs[0], msgs[2], msgs[3]]);
  });

  it('a session cut after the call still makes a valid request on both wires', () => {
    const msgs: AgentMessage[] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: 'trying', toolCalls: [call('a')] },
      { role: 'user', content: 'are you there?' },
    ];
    expect(toOpenAIMessages('', msgs).map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'user']);
    expect(toAnthropicMessages(msgs)[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'a', content: MISSING_RESULT, is_error: true },
        { type: 'text', text: 'are you there?' },
      ],
    });
  });
});

describe('a whole JSON answer to a streaming request', () => {
  it('is recognised only when the request asked for a stream', () => {
    expect(requestsStream('{"model":"m","stream":true}')).toBe(true);
    expect(requestsStream('{"model":"m","stream":false}')).toBe(false);
    expect(requestsStream('{"model":"m"}')).toBe(false);
    expect(requestsStream(undefined)).toBe(false);
  });

  it('passes bodies that are not answers through untouched', () => {
    expect(jsonAnswerAsSse('openai', 'not json')).toBeUndefined();
    expect(jsonAnswerAsSse('openai', '{"object":"list","data":[]}')).toBeUndefined();
    expect(jsonAnswerAsSse('anthropic', '{"type":"error","error":{}}')).toBeUndefined();
  });

  it('becomes OpenAI chunks ending in [DONE]', () => {
    const text = jsonAnswerAsSse(
      'openai',
      JSON.stringify({
        id: 'c',
        model: 'm',
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'hi' } }],
      }),
    );
    const events = (text ?? '').split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    expect(JSON.parse(events[0]!.slice(6)).choices[0].delta).toEqual({ role: 'assistant', content: 'hi' });
  });
});
