// AgentMessage[] ↔ the Anthropic Messages wire format: the system prompt as the top-level `system`
// param, assistant `tool_use` blocks, `tool_result` blocks inside a user turn, strict user/assistant
// alternation (consecutive same-role messages are merged into one turn of several blocks).
// Pure translation; no SDK client, no network.
import type { ContentBlockParam, MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages/messages.js';
import type { AgentMessage, ModelTool } from '../agent-types.js';
import { argsTextOf } from './tool-args.js';
import { pairToolResults } from './tool-pairing.js';

/**
 * `withTools` false: the request defines no tools, and the API refuses tool_use / tool_result blocks
 * then ("Requests which include tool_use or tool_result blocks must define tools"). A history with
 * calls (a reviewer or summary asked without tools) is then written out as text instead.
 */
export function toAnthropicMessages(messages: AgentMessage[], withTools = true): MessageParam[] {
  const out: { role: 'user' | 'assistant'; content: ContentBlockParam[] }[] = [];
  const add = (role: 'user' | 'assistant', blocks: ContentBlockParam[]) => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  const text = (t: string): ContentBlockParam[] => (t === '' ? [] : [{ type: 'text', text: t }]);
  for (const m of pairToolResults(messages)) {
    if (m.role === 'user') {
      // The API rejects empty text blocks.
      add('user', text(m.content));
    } else if (m.role === 'assistant') {
      const blocks: ContentBlockParam[] = text(m.content);
      for (const c of m.toolCalls ?? []) {
        // Unparseable arguments were answered with an error; the API needs an object here.
        if (withTools) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: c.args });
        else blocks.push(...text(`[called tool ${c.name} with ${argsTextOf(c)}]`));
      }
      add('assistant', blocks);
    } else if (withTools) {
      add('user', [
        {
          type: 'tool_result',
          tool_use_id: m.toolCallId,
          content: m.content,
          ...(m.isError ? { is_error: true } : {}),
        },
      ]);
    } else {
      add('user', text(`[${m.isError ? 'error from' : 'result of'} tool ${m.name}]\n${m.content}`));
    }
  }
  return out;
}

export function toAnthropicTools(tools: ModelTool[]): Tool[] {
  return tools.map((t) => ({
    name: t.name,
    description: t.description,
    // The API requires type "object" at the top; the registry's schemas are objects already.
    input_schema: { type: 'object', ...t.parameters } as Tool['input_schema'],
  }));
}

/** 'end_turn'/'stop_sequence' → 'end', 'tool_use' → 'tool_calls', 'max_tokens' → 'max_tokens', others raw. */
export function anthropicStopReason(reason: string | null | undefined, hasToolCalls: boolean): string {
  const mapped = mapStop(reason);
  return mapped === 'end' && hasToolCalls ? 'tool_calls' : mapped;
}

function mapStop(reason: string | null | undefined): string {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
    case null:
    case undefined:
      return 'end';
    case 'tool_use':
      return 'tool_calls';
    default:
      return reason;
  }
}
