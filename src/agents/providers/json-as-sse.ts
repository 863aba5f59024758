// Some OpenAI- or Anthropic-compatible servers (small proxies, hand-written test servers) answer a
// streaming request with one JSON body, ignoring `"stream": true`. The SDKs would then parse no SSE
// events and return an empty answer with no error. Here such a body is rewritten into the
// equivalent event stream, so the answer arrives as one delta instead of vanishing. Pure text
// transformation of already-received data; anything unexpected is passed through untouched.

type Wire = 'openai' | 'anthropic';

const sse = (data: unknown, event?: string) =>
  `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

interface OpenAIWhole {
  id?: string;
  model?: string;
  created?: number;
  usage?: unknown;
  choices?: {
    index?: number;
    finish_reason?: string | null;
    message?: { role?: string; content?: string | null; tool_calls?: unknown[] };
  }[];
}

function openAIEvents(body: OpenAIWhole): string | undefined {
  if (!Array.isArray(body.choices)) return undefined;
  const base = {
    id: body.id ?? 'chatcmpl',
    object: 'chat.completion.chunk',
    created: body.created ?? 0,
    model: body.model ?? '',
  };
  let out = '';
  for (const [i, choice] of body.choices.entries()) {
    const m = choice.message ?? {};
    const delta: Record<string, unknown> = { role: m.role ?? 'assistant', content: m.content ?? '' };
    if (Array.isArray(m.tool_calls)) {
      delta.tool_calls = m.tool_calls.map((c, index) => ({ index, ...(c as object) }));
    }
    const index = choice.index ?? i;
    out += sse({ ...base, choices: [{ index, delta, finish_reason: null }] });
    out += sse({ ...base, choices: [{ index, delta: {}, finish_reason: choice.finish_reason ?? 'stop' }] });
  }
  if (body.usage) out += sse({ ...base, choices: [], usage: body.usage });
  return out + sse('[DONE]');
}

interface AnthropicWhole {
  type?: string;
  id?: string;
  model?: string;
  content?: { type: string; text?: string; id?: string; name?: string; input?: unknown }[];
  stop_reason?: string | null;
  usage?: { input_tokens?: number; output_tokens?: number };
}

function anthropicEvents(body: AnthropicWhole): string | undefined {
  if (body.type !== 'message' || !Array.isArray(body.content)) return undefined;
  const usage = body.usage ?? {};
  let out = sse(
    {
      type: 'message_start',
      message: { ...body, content: [], stop_reason: null, usage: { ...usage, output_tokens: 0 } },
    },
    'message_start',
  );
  for (const [index, block] of body.content.entries()) {
    if (block.type === 'text') {
      out += sse(
        { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
        'content_block_start',
      );
      out += sse(
        { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text ?? '' } },
        'content_block_delta',
      );
    } else if (block.type === 'tool_use') {
      out += sse(
        {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
        },
        'content_block_start',
      );
      const json = typeof block.input === 'string' ? block.input : JSON.stringify(block.input ?? {});
      out += sse(
        { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json } },
        'content_block_delta',
      );
    } else {
      out += sse({ type: 'content_block_start', index, content_block: block }, 'content_block_start');
    }
    out += sse({ type: 'content_block_stop', index }, 'content_block_stop');
  }
  out += sse(
    {
      type: 'message_delta',
      delta: { stop_reason: body.stop_reason ?? 'end_turn', stop_sequence: null },
      usage: { output_tokens: usage.output_tokens ?? 0 },
    },
    'message_delta',
  );
  return out + sse({ type: 'message_stop' }, 'message_stop');
}

/** The SSE text equivalent to a whole JSON answer, or undefined when the body is not one. */
export function jsonAnswerAsSse(wire: Wire, text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  return wire === 'openai' ? openAIEvents(body as OpenAIWhole) : anthropicEvents(body as AnthropicWhole);
}

/** True when a request body asked for a stream (`"stream": true`). */
export function requestsStream(body: unknown): boolean {
  if (typeof body !== 'string' || !body.includes('"stream"')) return false;
  try {
    return (JSON.parse(body) as { stream?: unknown }).stream === true;
  } catch {
    return false;
  }
}
