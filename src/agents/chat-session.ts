// A stored chat session turned back into provider-neutral history, and the small shaping rules for
// what a session stores. Pure functions over memory rows. The history a provider gets must be
// well-formed whatever happened before (a crash between a tool call and its result, a hand-edited
// database): every assistant tool call is answered by exactly one tool message right after it, and a
// tool message answering nothing is dropped.
import type { ChatMessageRow } from '../memory/memory-types.js';
import type { AgentMessage, ModelToolCall } from './agent-types.js';

/** Messages of a long session the model still gets (older turns are left out, whole turns only). */
export const MAX_HISTORY_MESSAGES = 200;
/** Characters of history the model still gets (tool results are up to 16 000 each: a long shell
 *  session would overflow any context window long before 200 messages). */
export const MAX_HISTORY_CHARS = 120_000;
const MAX_STORED_ARG_CHARS = 4_000;

export function historyFromRows(
  rows: ChatMessageRow[],
  max = MAX_HISTORY_MESSAGES,
  maxChars = MAX_HISTORY_CHARS,
): AgentMessage[] {
  const out: AgentMessage[] = [];
  let open: ModelToolCall[] = [];
  const closeOpen = () => {
    for (const c of open) {
      out.push({
        role: 'tool',
        toolCallId: c.id,
        name: c.name,
        content: 'NOT RUN: the turn ended before this call was answered.',
        isError: true,
      });
    }
    open = [];
  };
  for (const row of rows) {
    const data = (row.data && typeof row.data === 'object' ? row.data : {}) as Record<string, unknown>;
    if (row.role === 'tool') {
      const id = typeof data.toolCallId === 'string' ? data.toolCallId : undefined;
      const i = open.findIndex((c) => c.id === id);
      if (i < 0) continue;
      const [c] = open.splice(i, 1);
      out.push({
        role: 'tool',
        toolCallId: (c as ModelToolCall).id,
        name: (c as ModelToolCall).name,
        content: row.content,
        ...(data.isError === true ? { isError: true } : {}),
      });
      continue;
    }
    closeOpen();
    if (row.role === 'user') out.push({ role: 'user', content: row.content });
    else if (row.role === 'assistant') {
      const calls = toolCallsOf(data.toolCalls);
      out.push({ role: 'assistant', content: row.content, ...(calls.length ? { toolCalls: calls } : {}) });
      open = [...calls];
    }
  }
  closeOpen();
  // The window: at most `max` messages and `maxChars` characters, counted from the newest.
  let from = out.length;
  let chars = 0;
  while (from > 0 && out.length - from < max) {
    chars += size(out[from - 1] as AgentMessage);
    if (chars > maxChars) break;
    from--;
  }
  if (from === 0) return out;
  // Keep whole turns: start at the first user message inside the window.
  const tail = out.slice(from);
  const start = tail.findIndex((m) => m.role === 'user');
  return start < 0 ? [] : tail.slice(start);
}

function size(m: AgentMessage): number {
  return m.content.length + (m.role === 'assistant' && m.toolCalls ? JSON.stringify(m.toolCalls).length : 0);
}

function toolCallsOf(value: unknown): ModelToolCall[] {
  if (!Array.isArray(value)) return [];
  const calls: ModelToolCall[] = [];
  for (const v of value) {
    if (!v || typeof v !== 'object') continue;
    const c = v as Record<string, unknown>;
    if (typeof c.id !== 'string' || typeof c.name !== 'string') continue;
    const args = c.args && typeof c.args === 'object' && !Array.isArray(c.args) ? c.args : {};
    calls.push({ id: c.id, name: c.name, args: args as Record<string, unknown> });
  }
  return calls;
}

/** A session's title: the first line of its first request, shortened. */
export function sessionTitle(text: string, max = 80): string {
  const line = text.trim().split('\n', 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Tool arguments as the tool_calls table and the audit log keep them: long strings shortened. */
export function storedArgs(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    out[k] =
      typeof v === 'string' && v.length > MAX_STORED_ARG_CHARS
        ? `${v.slice(0, MAX_STORED_ARG_CHARS)}… (${v.length} chars)`
        : v;
  }
  return out;
}
