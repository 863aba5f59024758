// The `anthropic` provider: the official @anthropic-ai/sdk Messages API. Streams raw events when the
// caller wants text as it comes (text deltas and tool_use input_json deltas accumulated per block);
// retries and per-attempt timeouts are the SDK's, stalls and retry waits provider-fetch's, cancels
// the CallGuard's. Must not read the environment (settings did) nor let an SDK error escape
// untranslated.
import type Anthropic from '@anthropic-ai/sdk';
import type {
  Message,
  MessageCreateParamsNonStreaming,
} from '@anthropic-ai/sdk/resources/messages/messages.js';
import type {
  CompletionRequest,
  CompletionResult,
  ModelToolCall,
  Provider,
  ProviderName,
  Usage,
} from '../agent-types.js';
import { anthropicStopReason, toAnthropicMessages, toAnthropicTools } from './anthropic-wire.js';
import { CallGuard } from './call-guard.js';
import { makeProviderFetch, SDK_TIMEOUT_SLACK_MS } from './provider-fetch.js';
import type { ProviderSettings } from './provider-settings.js';
import { translateError } from './sdk-errors.js';
import { toolCall } from './tool-args.js';

interface UsageLike {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/** Cached prompt tokens are still input tokens the request used. */
function inputTokens(u: UsageLike | undefined): number {
  return (u?.input_tokens ?? 0) + (u?.cache_creation_input_tokens ?? 0) + (u?.cache_read_input_tokens ?? 0);
}

function callFromInput(id: string, name: string, input: unknown): ModelToolCall {
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    return { id, name, args: input as Record<string, unknown> };
  }
  return toolCall(id, name, typeof input === 'string' ? input : JSON.stringify(input ?? {}));
}

export class AnthropicProvider implements Provider {
  readonly name: ProviderName = 'anthropic';
  readonly model: string;
  private client: Promise<Anthropic> | undefined;

  constructor(private readonly settings: ProviderSettings) {
    this.model = settings.model;
  }

  /** The SDK is imported on first use (≈ 200-300 ms here), never when the provider is only built. */
  private sdk(): Promise<Anthropic> {
    this.client ??= import('@anthropic-ai/sdk').then(
      ({ default: AnthropicSdk }) =>
        new AnthropicSdk({
          // Passing the key makes it the client's only credential: the SDK then reads no env var or profile.
          apiKey: this.settings.apiKey,
          baseURL: this.settings.baseURL,
          // A backstop only: provider-fetch times out first, and without the SDK's retries.
          timeout: this.settings.timeoutMs + SDK_TIMEOUT_SLACK_MS,
          maxRetries: this.settings.maxRetries,
          fetch: makeProviderFetch({ idleMs: this.settings.timeoutMs, wire: 'anthropic' }),
          // SDK 1.x sends the key as `Authorization: Bearer`; the API's documented header (and what
          // compatible proxies and test servers check) is `x-api-key`. Send both, same key.
          defaultHeaders: { 'x-api-key': this.settings.apiKey },
          logLevel: 'off',
        }),
    );
    return this.client;
  }

  async complete(req: CompletionRequest): Promise<CompletionResult> {
    const guard = new CallGuard(req.signal);
    const params: MessageCreateParamsNonStreaming = {
      model: this.model,
      max_tokens: req.maxTokens,
      messages: toAnthropicMessages(req.messages, req.tools.length > 0),
      ...(req.system !== '' ? { system: req.system } : {}),
      ...(req.tools.length > 0 ? { tools: toAnthropicTools(req.tools) } : {}),
    };
    try {
      const onText = req.onText;
      return await guard.run(() =>
        onText ? this.streamed(params, onText, guard) : this.whole(params, guard),
      );
    } catch (error) {
      throw translateError(error, {
        settings: this.settings,
        cancelled: guard.cancelled,
      });
    } finally {
      guard.dispose();
    }
  }

  private async whole(params: MessageCreateParamsNonStreaming, guard: CallGuard): Promise<CompletionResult> {
    const client = await this.sdk();
    const res: Message = await client.messages.create(params, { signal: guard.signal });
    let text = '';
    const calls: ModelToolCall[] = [];
    for (const block of res.content ?? []) {
      if (block.type === 'text') text += block.text;
      else if (block.type === 'tool_use') calls.push(callFromInput(block.id, block.name, block.input));
    }
    return {
      text,
      toolCalls: calls,
      usage: { inputTokens: inputTokens(res.usage), outputTokens: res.usage?.output_tokens ?? 0 },
      stopReason: anthropicStopReason(res.stop_reason, calls.length > 0),
      model: res.model || this.model,
    };
  }

  private async streamed(
    params: MessageCreateParamsNonStreaming,
    onText: (delta: string) => void,
    guard: CallGuard,
  ): Promise<CompletionResult> {
    const client = await this.sdk();
    const stream = await client.messages.create({ ...params, stream: true }, { signal: guard.signal });
    let text = '';
    let model = '';
    let stop: string | null | undefined;
    const usage: Usage = { inputTokens: 0, outputTokens: 0 };
    const tools = new Map<number, { id: string; name: string; json: string; input: unknown }>();
    for await (const event of stream) {
      switch (event.type) {
        case 'message_start':
          model = event.message.model;
          usage.inputTokens = inputTokens(event.message.usage);
          usage.outputTokens = event.message.usage?.output_tokens ?? 0;
          break;
        case 'content_block_start':
          if (event.content_block.type === 'tool_use') {
            const b = event.content_block;
            tools.set(event.index, { id: b.id, name: b.name, json: '', input: b.input });
          } else if (event.content_block.type === 'text' && event.content_block.text) {
            text += event.content_block.text;
            onText(event.content_block.text);
          }
          break;
        case 'content_block_delta':
          if (event.delta.type === 'text_delta') {
            text += event.delta.text;
            onText(event.delta.text);
          } else if (event.delta.type === 'input_json_delta') {
            const slot = tools.get(event.index);
            if (slot) slot.json += event.delta.partial_json;
          }
          break;
        case 'message_delta':
          stop = event.delta.stop_reason;
          // Cumulative output count; input appears here too when the server sends it late.
          if (event.usage?.output_tokens != null) usage.outputTokens = event.usage.output_tokens;
          if (event.usage?.input_tokens != null) usage.inputTokens = inputTokens(event.usage);
          break;
        default:
          break;
      }
    }
    guard.check();
    const calls = [...tools.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, t]) =>
        t.json.trim() === '' ? callFromInput(t.id, t.name, t.input) : toolCall(t.id, t.name, t.json),
      );
    return {
      text,
      toolCalls: calls,
      usage,
      stopReason: anthropicStopReason(stop, calls.length > 0),
      model: model || this.model,
    };
  }
}
