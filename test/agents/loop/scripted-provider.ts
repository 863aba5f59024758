// A test double of the Provider contract: answers each complete() with the next scripted step and
// keeps a copy of every request, so tests can assert what the model was shown. A step is a result,
// a function of the request (to react to tool results), or an Error to throw.
import type {
  CompletionRequest,
  CompletionResult,
  ModelToolCall,
  Provider,
} from '../../../src/agents/agent-types.js';

export type ScriptStep =
  | Partial<CompletionResult>
  | Error
  | ((req: CompletionRequest) => Partial<CompletionResult> | Promise<Partial<CompletionResult>>);

export interface ScriptedProvider extends Provider {
  requests: CompletionRequest[];
  /** Steps not used yet. */
  remaining(): number;
}

export function scriptedProvider(steps: ScriptStep[], model = 'scripted-1'): ScriptedProvider {
  const queue = [...steps];
  const requests: CompletionRequest[] = [];
  return {
    name: 'openai',
    model,
    requests,
    remaining: () => queue.length,
    async complete(req) {
      requests.push({ ...req, messages: structuredClone(req.messages), tools: structuredClone(req.tools) });
      if (req.signal?.aborted) throw new Error('aborted');
      const step = queue.shift();
      if (step === undefined) throw new Error('the script has no more steps');
      if (step instanceof Error) throw step;
      const partial = typeof step === 'function' ? await step(req) : step;
      const toolCalls = partial.toolCalls ?? [];
      const text = partial.text ?? '';
      if (text) req.onText?.(text);
      return {
        text,
        toolCalls,
        usage: partial.usage ?? { inputTokens: 10, outputTokens: 5 },
        stopReason: partial.stopReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'end'),
        model,
      };
    },
  };
}

let nextId = 0;
/** A tool call as the model would send it. */
export function call(name: string, args: Record<string, unknown>): ModelToolCall {
  nextId++;
  return { id: `call_${nextId}`, name, args };
}

/** The text of the last tool message the model was shown in `req`. */
export function lastToolResult(req: CompletionRequest): string {
  const tools = req.messages.filter((m) => m.role === 'tool');
  const last = tools[tools.length - 1];
  return last && last.role === 'tool' ? last.content : '';
}
