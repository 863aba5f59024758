// AgentMessage[] ↔ the OpenAI chat-completions wire format (also ollama's, vLLM's, LM Studio's): the
// system prompt as the first message, assistant `tool_calls`, `role: "tool"` results, function tools.
// Pure translation; no SDK client, no network.
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions/completions.js';
import type { AgentMessage, ModelTool } from '../agent-types.js';
import { argsTextOf } from './tool-args.js';
import { pairToolResults } from './tool-pairing.js';

/** OpenAI has no error flag on tool results: the text says it, so the model cannot miss it. */
export const TOOL_ERROR_PREFIX = 'error: ';

export function toOpenAIMessages(system: string, messages: AgentMessage[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (system !== '') out.push({ role: 'system', content: system });
  for (const m of pairToolResults(messages)) {
    if (m.role === 'user') {
      out.push({ role: 'user', content: m.content });
    } else if (m.role === 'assistant') {
      const calls = m.toolCalls ?? [];
      if (calls.length === 0) {
        out.push({ role: 'assistant', content: m.content });
        continue;
      }
      out.push({
        role: 'assistant',
        // null, not "", when the model only called tools: some compatible servers reject empty text.
        content: m.content === '' ? null : m.content,
        tool_calls: calls.map((c) => ({
          id: c.id,
          type: 'function' as const,
          function: { name: c.name, arguments: argsTextOf(c) },
        })),
      });
    } else {
      out.push({
        role: 'tool',
        tool_call_id: m.toolCallId,
        content:
          m.isError && !m.content.startsWith(TOOL_ERROR_PREFIX) ? TOOL_ERROR_PREFIX + m.content : m.content,
      });
    }
  }
  return out;
}

export function toOpenAITools(tools: ModelTool[]): ChatCompletionFunctionTool[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters },
  }));
}

/** 'stop' → 'end', 'tool_calls'/'function_call' → 'tool_calls', 'length' → 'max_tokens', others raw. */
export function openAIStopReason(reason: string | null | undefined, hasToolCalls: boolean): string {
  const mapped = mapStop(reason);
  // Ollama and some proxies report 'stop' even when the answer is tool calls: the calls decide.
  return mapped === 'end' && hasToolCalls ? 'tool_calls' : mapped;
}

function mapStop(reason: string | null | undefined): string {
  switch (reason) {
    case 'stop':
    case null:
    case undefined:
    case '':
      return 'end';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'length':
      return 'max_tokens';
    default:
      return reason;
  }
}
