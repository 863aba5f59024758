// An in-process Provider that plays a script: each complete() call is answered by the next step, a
// reply or a function of the request. Records what it was asked. For tests that need the agent
// loop without a wire format (the loopback fake servers cover the SDKs).
import type {
  CompletionRequest,
  CompletionResult,
  ModelToolCall,
  Provider,
} from '../../../src/agents/agent-types.js';

export interface ScriptedReply {
  text?: string;
  toolCalls?: { name: string; args: Record<string, unknown> }[];
}
export type ScriptedStep = ScriptedReply | ((req: CompletionRequest) => ScriptedReply);

export interface ScriptedProvider extends Provider {
  requests: CompletionRequest[];
}

/** `script` as an array is used up in order (then it throws); a function answers every call. */
export function scriptedProvider(
  script: ScriptedStep[] | ((req: CompletionRequest) => ScriptedReply),
): ScriptedProvider {
  const queue = Array.isArray(script) ? [...script] : undefined;
  const requests: CompletionRequest[] = [];
  let seq = 0;
  return {
    name: 'openai',
    model: 'scripted',
    requests,
    async complete(req: CompletionRequest): Promise<CompletionResult> {
      requests.push({
        system: req.system,
        messages: structuredClone(req.messages),
        tools: req.tools,
        maxTokens: req.maxTokens,
      });
      const step: ScriptedStep | undefined = queue ? queue.shift() : (script as ScriptedStep);
      if (step === undefined) throw new Error('the scripted provider ran out of replies');
      const reply: ScriptedReply = typeof step === 'function' ? step(req) : step;
      const toolCalls: ModelToolCall[] = (reply.toolCalls ?? []).map((c) => ({
        id: `call_${++seq}`,
        name: c.name,
        args: c.args,
      }));
      return {
        text: reply.text ?? '',
        toolCalls,
        usage: { inputTokens: 10, outputTokens: 5 },
        stopReason: toolCalls.length > 0 ? 'tool_calls' : 'end',
        model: 'scripted',
      };
    },
  };
}

/** The last message of a request is a tool result: the model has acted and should now answer. */
export function afterToolResult(req: CompletionRequest): boolean {
  return req.messages.at(-1)?.role === 'tool';
}
