// Both APIs reject a conversation in which an assistant tool call has no tool result right after it,
// or a tool result answers no call ("tool_use ids were found without tool_result blocks", "messages
// with role 'tool' must be a response to a preceding message with 'tool_calls'"). A turn cancelled
// between the call and its result, or a session stored by an older version, would then break every
// later request of that session. Before translation we therefore pair them up: a missing result
// becomes an error result saying so, an orphan result is dropped. Pure; changes nothing that pairs.
import type { AgentMessage } from '../agent-types.js';

export const MISSING_RESULT = 'no result: the turn ended before this tool call ran';

export function pairToolResults(messages: AgentMessage[]): AgentMessage[] {
  const out: AgentMessage[] = [];
  let i = 0;
  while (i < messages.length) {
    const m = messages[i] as AgentMessage;
    i++;
    if (m.role === 'tool') continue; // not directly after an assistant's calls: an orphan
    out.push(m);
    if (m.role !== 'assistant' || !m.toolCalls?.length) continue;
    // The tool results that follow this assistant message, before anything else.
    const results = new Map<string, AgentMessage & { role: 'tool' }>();
    while (i < messages.length && (messages[i] as AgentMessage).role === 'tool') {
      const r = messages[i] as AgentMessage & { role: 'tool' };
      if (!results.has(r.toolCallId)) results.set(r.toolCallId, r);
      i++;
    }
    for (const call of m.toolCalls) {
      out.push(
        results.get(call.id) ?? {
          role: 'tool',
          toolCallId: call.id,
          name: call.name,
          content: MISSING_RESULT,
          isError: true,
        },
      );
    }
  }
  return out;
}
