// The `openai` and `ollama` providers: the official openai SDK against api.openai.com or any
// OpenAI-compatible server (ollama's /v1, vLLM, LM Studio). Streams when the caller wants text as it
// comes, accumulating text and tool-call argument deltas; retries and per-attempt timeouts are the
// SDK's, stalls and retry waits are provider-fetch's, cancels the CallGuard's. Must not read the
// environment (settings did) nor let an SDK error escape untranslated.
import type OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageFunctionToolCall,
} from 'openai/resources/chat/completions/completions.js';
import type {
  CompletionRequest,
  CompletionResult,
  ModelToolCall,
  Provider,
  ProviderName,
  Usage,
} from '../agent-types.js';
import { CallGuard } from './call-guard.js';
import { openAIStopReason, toOpenAIMessages, toOpenAITools } from './openai-wire.js';
import { makeProviderFetch, SDK_TIMEOUT_SLACK_MS } from './provider-fetch.js';
import type { ProviderSettings } from './provider-settings.js';
import { translateError } from './sdk-errors.js';
import { argumentText, toolCall } from './tool-args.js';

/**
 * An OpenAI SDK client for these settings; never sends a request by itself. The SDK is imported on
 * first use (≈ 100-250 ms here), so commands that build a provider or embedder but never call it —
 * and every command without one — do not pay for loading it.
 */
export async function openAIClient(settings: ProviderSettings): Promise<OpenAI> {
  const { default: OpenAISdk } = await import('openai');
  return new OpenAISdk({
    apiKey: settings.apiKey,
    baseURL: settings.baseURL,
    // A backstop only: provider-fetch times out first, and without the SDK's retries.
    timeout: settings.timeoutMs + SDK_TIMEOUT_SLACK_MS,
    maxRetries: settings.maxRetries,
    fetch: makeProviderFetch({ idleMs: settings.timeoutMs, wire: 'openai' }),
    // Never null-ish: the SDK would read OPENAI_ORG_ID / OPENAI_PROJECT_ID itself and send them to
    // whatever server base_url names (an ollama box). Settings carry them for openai only.
    organization: settings.organization ?? null,
    project: settings.project ?? null,
    // The SDK logs to the console; library code must not write to the terminal.
    logLevel: 'off',
  });
}

interface UsageLike {
  prompt_tokens?: number;
  completion_tokens?: number;
}

function toUsage(usage: UsageLike | null | undefined): Usage {
  const out: Usage = { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 };
  // OpenRouter and some proxies report the charge; OpenAI itself does not (never estimated here).
  const cost = (usage as { cost?: unknown } | null | undefined)?.cost;
  if (typeof cost === 'number' && Number.isFinite(cost)) out.costUsd = cost;
  return out;
}

export class OpenAIProvider implements Provider {
  readonly name: ProviderName;
  readonly model: string;
  private client: Promise<OpenAI> | undefined;
  // Request fields not every server takes, switched once when a server's 400 names them:
  // newer OpenAI models refuse `max_tokens` and want `max_completion_tokens` (most compatible servers
  // know only `max_tokens`), and some older servers reject `stream_options` (then usage is unknown).
  private readonly compat = { completionTokens: false, noStreamOptions: false };

  constructor(private readonly settings: ProviderSettings) {
    this.name = settings.name;
    this.model = settings.model;
  }

  private sdk(): Promise<OpenAI> {
    this.client ??= openAIClient(this.settings);
    return this.client;
  }

  async complete(req: CompletionRequest): Promise<CompletionResult> {
    for (let adjusted = 0; ; adjusted++) {
      try {
        return await this.attempt(req);
      } catch (error) {
        if (adjusted >= 2 || !this.adjustFor(error))
          throw translateError(error, { settings: this.settings, cancelled: req.signal?.aborted === true });
      }
    }
  }

  /** Switches a compat flag the server's 400 asks for; false when the error is not such a refusal. */
  private adjustFor(error: unknown): boolean {
    const status = (error as { status?: unknown }).status;
    const message = String((error as { message?: unknown }).message ?? '');
    if (status !== 400) return false;
    if (!this.compat.completionTokens && message.includes('max_completion_tokens')) {
      this.compat.completionTokens = true;
      return true;
    }
    if (!this.compat.noStreamOptions && message.includes('stream_options')) {
      this.compat.noStreamOptions = true;
      return true;
    }
    return false;
  }

  private async attempt(req: CompletionRequest): Promise<CompletionResult> {
    const guard = new CallGuard(req.signal);
    const params: ChatCompletionCreateParamsNonStreaming = {
      model: this.model,
      messages: toOpenAIMessages(req.system, req.messages),
      ...(this.compat.completionTokens
        ? { max_completion_tokens: req.maxTokens }
        : { max_tokens: req.maxTokens }),
      ...(req.tools.length > 0 ? { tools: toOpenAITools(req.tools) } : {}),
    };
    try {
      const onText = req.onText;
      return await guard.run(() =>
        onText ? this.streamed(params, onText, guard) : this.whole(params, guard),
      );
      // Errors are translated once, in complete(), after a possible compat retry.
    } finally {
      guard.dispose();
    }
  }

  private async whole(
    params: ChatCompletionCreateParamsNonStreaming,
    guard: CallGuard,
  ): Promise<CompletionResult> {
    const client = await this.sdk();
    const res = await client.chat.completions.create(params, { signal: guard.signal });
    const choice = res.choices?.[0];
    if (!choice) throw new Error('the response has no choices');
    const calls = (choice.message.tool_calls ?? [])
      .filter((c): c is ChatCompletionMessageFunctionToolCall => c.type === 'function')
      .map((c) => toolCall(c.id, c.function.name, argumentText(c.function.arguments)));
    return {
      text: choice.message.content ?? '',
      toolCalls: calls,
      usage: toUsage(res.usage),
      stopReason: openAIStopReason(choice.finish_reason, calls.length > 0),
      model: res.model || this.model,
    };
  }

  private async streamed(
    params: ChatCompletionCreateParamsNonStreaming,
    onText: (delta: string) => void,
    guard: CallGuard,
  ): Promise<CompletionResult> {
    const client = await this.sdk();
    const stream = await client.chat.completions.create(
      {
        ...params,
        stream: true,
        ...(this.compat.noStreamOptions ? {} : { stream_options: { include_usage: true } }),
      },
      { signal: guard.signal },
    );
    let text = '';
    let finish: string | null | undefined;
    let usage: UsageLike | null | undefined;
    let model = '';
    // Keyed by the delta's index; a server that sends whole calls all at index 0 (older ollama) gets
    // a fresh slot whenever the id changes.
    const slots = new Map<number, { id: string; name: string; args: string }>();
    let lastKey = -1;
    for await (const chunk of stream) {
      if (chunk.model) model = chunk.model;
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices ?? []) {
        const delta = choice.delta;
        if (delta?.content) {
          text += delta.content;
          onText(delta.content);
        }
        for (const tc of delta?.tool_calls ?? []) {
          let key = tc.index ?? lastKey + 1;
          let slot = slots.get(key);
          if (slot && tc.id && slot.id && slot.id !== tc.id) {
            key = Math.max(...slots.keys()) + 1;
            slot = undefined;
          }
          if (!slot) {
            slot = { id: '', name: '', args: '' };
            slots.set(key, slot);
          }
          lastKey = key;
          if (tc.id) slot.id = tc.id;
          if (tc.function?.name && !slot.name) slot.name = tc.function.name;
          if (tc.function?.arguments) slot.args += argumentText(tc.function.arguments);
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
    guard.check();
    const calls: ModelToolCall[] = [...slots.entries()]
      .sort(([a], [b]) => a - b)
      .map(([key, s]) => toolCall(s.id || `call_${key}`, s.name, s.args));
    return {
      text,
      toolCalls: calls,
      usage: toUsage(usage),
      stopReason: openAIStopReason(finish, calls.length > 0),
      model: model || this.model,
    };
  }
}
