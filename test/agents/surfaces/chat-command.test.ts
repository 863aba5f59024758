import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTurnRenderer, toolLine, turnJson } from '../../../cli/agent-render.js';
import { runChat } from '../../../cli/commands/chat.js';
import type { ModelToolCall } from '../../../src/agents/agent-types.js';
import { fakeService, recordingIo, text } from './surface-doubles.js';

let dir: string;
let config: string;
beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'aios-chat-cmd-'));
  config = path.join(dir, 'config.toml');
  fs.writeFileSync(config, `[aios]\ndata_dir = "${dir}/data"\n[memory]\npath = "${dir}/memory.db"\n`);
});
afterEach(async () => {
  await fs.promises.rm(dir, { recursive: true, force: true });
});

const call = (name: string, args: Record<string, unknown>): ModelToolCall => ({ id: 'c1', name, args });
const allow = { verdict: 'allow' as const, rule: 'mode:normal', reason: 'reads are allowed' };
const confirm = { verdict: 'confirm' as const, rule: 'pattern:sudo', reason: 'sudo needs a person' };
const base = (extra: Record<string, unknown> = {}) => ({
  config,
  json: false,
  color: false,
  verbose: false,
  ...extra,
});

describe('aios chat rendering', () => {
  it('streams the answer whole lines at a time and ends a partial line before a tool call', () => {
    const { io, stdout } = recordingIo();
    const r = createTurnRenderer(io);
    r.onEvent({ type: 'text', delta: 'Let me ' });
    r.onEvent({ type: 'text', delta: 'look.\nFirst' });
    r.onEvent({ type: 'tool_call', call: call('read_file', { path: '/etc/motd' }), decision: allow });
    r.onEvent({ type: 'tool_result', call: call('read_file', {}), ok: true, summary: 'hello\nworld' });
    r.onEvent({ type: 'text', delta: 'Done.' });
    r.finish({
      sessionId: 's',
      text: '',
      steps: 2,
      usage: { inputTokens: 1, outputTokens: 1 },
      finish: 'done',
      toolCalls: [],
    });
    expect(stdout()).toBe(
      'Let me look.\nFirst\n→ read_file /etc/motd  [allow · mode:normal]\n  ✓ hello ⏎ world\nDone.\n',
    );
  });

  it('shows a denied call with its rule and why it did not run', () => {
    const { io, stdout } = recordingIo();
    const r = createTurnRenderer(io);
    r.onEvent({
      type: 'tool_call',
      call: call('bash', { command: 'rm -rf /' }),
      decision: { verdict: 'deny', rule: 'dangerous:rm-root', reason: 'deletes the root' },
      review: { verdict: 'deny', reason: 'destroys the host' },
    });
    expect(stdout()).toContain('→ bash rm -rf /  [deny · dangerous:rm-root]');
    expect(stdout()).toContain('security review: deny: destroys the host');
    expect(stdout()).toContain('not run: deletes the root');
  });

  it('shortens long arguments to one line', () => {
    const line = toolLine(call('write_file', { content: 'x'.repeat(500) }));
    expect(line.length).toBeLessThan(90);
    expect(line.endsWith('…')).toBe(true);
  });

  it('colours verdicts only when the io allows colour', () => {
    const rec = recordingIo();
    rec.io.color = true;
    createTurnRenderer(rec.io).onEvent({
      type: 'tool_call',
      call: call('bash', { command: 'ls' }),
      decision: allow,
    });
    expect(rec.stdout()).toContain('\u001b[32mallow\u001b[0m');
    const plain = recordingIo();
    createTurnRenderer(plain.io).onEvent({
      type: 'tool_call',
      call: call('bash', { command: 'ls' }),
      decision: allow,
    });
    expect(plain.stdout()).not.toContain('\u001b[');
  });
});

describe('aios chat', () => {
  it('prints the answer and tool calls on stdout and the session id on stderr', async () => {
    const svc = fakeService(() => [
      text('The motd says '),
      { event: { type: 'tool_call', call: call('read_file', { path: '/etc/motd' }), decision: allow } },
      { event: { type: 'tool_result', call: call('read_file', {}), ok: true, summary: 'hi' } },
      text('hi.'),
    ]);
    const rec = recordingIo();
    const code = await runChat(base({ text: 'what is in /etc/motd?' }), rec.io, {
      openService: async () => svc,
    });
    expect(code).toBe(0);
    expect(rec.stdout()).toBe('The motd says \n→ read_file /etc/motd  [allow · mode:normal]\n  ✓ hi\nhi.\n');
    expect(rec.stderr()).toMatch(/^session s1 · 1 step · 10\+5 tokens/);
    expect(svc.requests[0]).toMatchObject({ text: 'what is in /etc/motd?', source: 'cli' });
    expect(svc.closed).toBe(true);
  });

  it('--json prints one object with text, session id, tool calls and usage, and nothing streamed', async () => {
    const svc = fakeService(() => [
      { event: { type: 'tool_call', call: call('bash', { command: 'uptime' }), decision: allow } },
      { event: { type: 'tool_result', call: call('bash', {}), ok: true, summary: 'up 3 days' } },
      text('Up 3 days.'),
    ]);
    const rec = recordingIo();
    const code = await runChat(base({ text: 'uptime?', json: true }), rec.io, {
      openService: async () => svc,
    });
    expect(code).toBe(0);
    const parsed = JSON.parse(rec.stdout());
    expect(parsed).toMatchObject({
      session_id: 's1',
      text: 'Up 3 days.',
      finish: 'done',
      usage: { inputTokens: 10, outputTokens: 5 },
      tool_calls: [
        { tool: 'bash', args: { command: 'uptime' }, verdict: 'allow', rule: 'mode:normal', ok: true },
      ],
    });
    expect(rec.stderr()).toBe('');
  });

  it('denies a confirm verdict with no TTY and no --yes, and says how to approve it', async () => {
    const svc = fakeService(() => [
      { confirm: { tool: 'bash', args: { command: 'sudo reboot' }, reason: 'asked' }, decision: confirm },
    ]);
    const rec = recordingIo({ stdinTTY: false });
    await runChat(base({ text: 'reboot' }), rec.io, { openService: async () => svc });
    expect(svc.outcomes).toEqual([{ outcome: 'denied' }]);
    expect(rec.stderr()).toContain('needs confirmation (pattern:sudo');
    expect(rec.stderr()).toContain('--yes');
  });

  it('approves a confirm verdict with --yes', async () => {
    const svc = fakeService(() => [
      { confirm: { tool: 'bash', args: { command: 'sudo reboot' }, reason: 'asked' }, decision: confirm },
    ]);
    await runChat(base({ text: 'reboot', yes: true }), recordingIo().io, { openService: async () => svc });
    expect(svc.outcomes).toEqual([{ outcome: 'approved' }]);
  });

  it('passes --continue, --session, --provider and --model on', async () => {
    const svc = fakeService(() => [text('ok')]);
    const open = { openService: async () => svc };
    await runChat(base({ text: 'first' }), recordingIo().io, open);
    await runChat(base({ text: 'second', continue: true }), recordingIo().io, open);
    await runChat(
      base({ text: 'third', session: 'abc', provider: 'anthropic', model: 'claude-x' }),
      recordingIo().io,
      open,
    );
    // --continue resolves to the newest conversation.
    expect(svc.requests[1]).toMatchObject({ text: 'second', sessionId: 's1' });
    expect(svc.requests[2]).toMatchObject({ sessionId: 'abc', provider: 'anthropic', model: 'claude-x' });
  });

  it('--continue never picks up a diagnosis session of the system agent', async () => {
    const svc = fakeService(() => [text('ok')]);
    await runChat(base({ text: 'mine' }), recordingIo().io, { openService: async () => svc });
    const sessions = svc.sessions();
    svc.sessions = () => [{ id: 'd1', title: 'diagnosis: file:/etc/motd', ts: '' }, ...sessions];
    await runChat(base({ text: 'again', continue: true }), recordingIo().io, {
      openService: async () => svc,
    });
    expect(svc.requests[1]?.sessionId).toBe('s1');
  });

  it('exits 1 with one line when the turn fails', async () => {
    const svc = fakeService(() => [{ event: { type: 'error', message: 'server unreachable' } }], {
      finish: 'error',
    });
    const rec = recordingIo();
    const code = await runChat(base({ text: 'hi' }), rec.io, { openService: async () => svc });
    expect(code).toBe(1);
    const lines = rec.stderr().trim().split('\n');
    expect(lines[0]).toBe('aios: server unreachable');
    expect(rec.stderr()).toContain('aios: the model went away');
    expect(rec.stderr()).not.toMatch(/\n\s+at /);
  });

  it('turns a provider error into a one-line error without a stack', async () => {
    const svc = fakeService(() => [], {
      fail: 'OPENAI_API_KEY is not set\n  (set it or [llm.openai] api_key)',
    });
    await expect(
      runChat(base({ text: 'hi' }), recordingIo().io, { openService: async () => svc }),
    ).rejects.toThrow(/^OPENAI_API_KEY is not set \(set it/);
  });

  it('refuses an empty question, both --continue and --session, and an unknown provider', async () => {
    const open = { openService: async () => fakeService(() => []) };
    await expect(runChat(base({ text: '  ' }), recordingIo().io, open)).rejects.toThrow(/needs a question/);
    await expect(
      runChat(base({ text: 'x', continue: true, session: 'a' }), recordingIo().io, open),
    ).rejects.toThrow(/either --continue or --session/);
    await expect(runChat(base({ text: 'x', provider: 'gpt' }), recordingIo().io, open)).rejects.toThrow(
      /--provider must be one of openai, anthropic, ollama/,
    );
  });

  it('says when a turn stopped at max_steps, and keeps exit 0', async () => {
    const svc = fakeService(() => [text('still working')], { finish: 'max_steps' });
    const rec = recordingIo();
    const code = await runChat(base({ text: 'loop' }), rec.io, { openService: async () => svc });
    expect(code).toBe(0);
    expect(rec.stderr()).toContain('aios: stopped after 1 step ([llm] max_steps); the session is kept');
  });

  it('turnJson keeps an error field only when the turn failed', () => {
    const ok = turnJson({
      sessionId: 's',
      text: 't',
      steps: 1,
      usage: { inputTokens: 0, outputTokens: 0 },
      finish: 'done',
      toolCalls: [],
    });
    expect(ok).not.toHaveProperty('error');
  });
});
