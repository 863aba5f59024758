import { describe, expect, it } from 'vitest';
import { historyFromRows, sessionTitle, storedArgs } from '../../../src/agents/chat-session.js';
import type { ChatMessageRow } from '../../../src/memory/memory-types.js';

let id = 0;
const row = (role: ChatMessageRow['role'], content: string, data: unknown = null): ChatMessageRow => ({
  id: ++id,
  sessionId: 's',
  ts: '2026-01-01T00:00:00.000Z',
  role,
  content,
  data,
});
const assistantCalling = (...ids: string[]) =>
  row('assistant', '', { toolCalls: ids.map((i) => ({ id: i, name: 'read_file', args: { path: '/x' } })) });
const toolAnswer = (callId: string, content = 'ok', extra: object = {}) =>
  row('tool', content, { toolCallId: callId, name: 'read_file', ...extra });

describe('historyFromRows', () => {
  it('replays user, assistant and tool messages in order, with tool calls and errors', () => {
    const history = historyFromRows([
      row('user', 'hi', { source: 'cli' }),
      assistantCalling('c1'),
      toolAnswer('c1', 'failed', { isError: true }),
      row('assistant', 'done'),
    ]);
    expect(history).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'read_file', args: { path: '/x' } }] },
      { role: 'tool', toolCallId: 'c1', name: 'read_file', content: 'failed', isError: true },
      { role: 'assistant', content: 'done' },
    ]);
  });

  it('answers a tool call the stored session never answered, and drops stray tool rows and system rows', () => {
    const history = historyFromRows([
      row('user', 'go'),
      assistantCalling('c1', 'c2'),
      toolAnswer('c1'),
      row('system', 'turn ended: cancelled'),
      toolAnswer('c9'),
      row('user', 'again'),
    ]);
    expect(history.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'user']);
    expect(history[3]).toMatchObject({
      toolCallId: 'c2',
      isError: true,
      content: expect.stringContaining('NOT RUN'),
    });
  });

  it('keeps only the newest messages, starting at a whole turn', () => {
    const rows = [];
    for (let i = 0; i < 10; i++)
      rows.push(
        row('user', `q${i}`),
        assistantCalling(`c${i}`),
        toolAnswer(`c${i}`),
        row('assistant', `a${i}`),
      );
    const history = historyFromRows(rows, 6);
    expect(history[0]).toEqual({ role: 'user', content: 'q9' });
    expect(history).toHaveLength(4);
  });

  it('keeps the history within a character budget, whole turns only', () => {
    const rows = [];
    for (let i = 0; i < 5; i++) {
      rows.push(
        row('user', `q${i}`),
        assistantCalling(`k${i}`),
        toolAnswer(`k${i}`, 'z'.repeat(1_000)),
        row('assistant', `a${i}`),
      );
    }
    const history = historyFromRows(rows, 200, 2_500);
    // Two turns of ~1 100 characters fit; the third would not.
    expect(history.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['q3', 'q4']);
    expect(historyFromRows(rows, 200, 10).length).toBe(0);
  });

  it('ignores malformed stored tool calls', () => {
    const history = historyFromRows([
      row('user', 'x'),
      row('assistant', 'y', { toolCalls: [{ name: 'no id' }, 'junk'] }),
    ]);
    expect(history[1]).toEqual({ role: 'assistant', content: 'y' });
  });
});

describe('session shaping', () => {
  it('titles a session with the first line of its request, shortened', () => {
    expect(sessionTitle('  restart nginx\nand check it ')).toBe('restart nginx');
    expect(sessionTitle('x'.repeat(100))).toHaveLength(80);
  });

  it('shortens long string arguments for the tool_calls table only', () => {
    const args = { path: '/etc/big', content: 'y'.repeat(10_000), mode: '0644' };
    const stored = storedArgs(args);
    expect(stored.path).toBe('/etc/big');
    expect(String(stored.content)).toMatch(/… \(10000 chars\)$/);
    expect(String(stored.content).length).toBeLessThan(4_100);
    expect(args.content).toHaveLength(10_000);
  });
});
