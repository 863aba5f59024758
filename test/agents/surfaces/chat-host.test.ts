import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent, ChatService } from '../../../src/agents/agent-types.js';
import { historyFromRows } from '../../../src/agents/chat-session.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { effectivePaths } from '../../../src/config/paths.js';
import { openMemory } from '../../../src/memory/memory-store.js';
import { CHAT_APPROVALS_FILE, ChatHost } from '../../../src/runtime/chat-rpc.js';
import { createLogger } from '../../../src/runtime/logger.js';
import type { RpcCallContext } from '../../../src/runtime/rpc-server.js';
import type { Action } from '../../../src/types.js';
import { type FakeService, fakeService, text } from './surface-doubles.js';

// The daemon's side of chat without a socket or a model: a confirm verdict is held in the approvals
// queue, `approve` runs it through the gate again, and its result lands in the session.
let dir: string;
let root: string;
let host: ChatHost | undefined;
let logs: string;

beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'aios-chat-host-'));
  root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  logs = '';
});
afterEach(async () => {
  await host?.stop();
  host = undefined;
  await fs.promises.rm(dir, { recursive: true, force: true });
});

function writeConfig(mode: string, security = ''): string {
  const config = path.join(dir, 'config.toml');
  fs.writeFileSync(
    config,
    `[aios]\ndata_dir = "${dir}/data"\n[memory]\npath = "${dir}/memory.db"\n` +
      `[controller]\nroot = "${root}"\nspecs_dir = "${dir}/specs"\n[security]\nmode = "${mode}"\n${security}`,
  );
  return config;
}

async function makeHost(svc: ChatService, mode = 'safe'): Promise<ChatHost> {
  const config = writeConfig(mode);
  const loaded = await loadConfig({ configPath: config, env: {}, flags: {} });
  const paths = effectivePaths(loaded, { HOME: dir });
  host = new ChatHost({
    loaded: () => loaded,
    paths: () => paths,
    env: {},
    log: createLogger({ format: 'journal', level: 'debug', write: (l) => (logs += l) }),
    systemAgent: false,
    openService: async () => svc,
  });
  await host.start();
  return host;
}

function ctx(events: AgentEvent[] = []): RpcCallContext {
  return {
    notify: (_m, p) => events.push(p as AgentEvent),
    peer: undefined,
    signal: new AbortController().signal,
  };
}

const writeMotd: Action = {
  tool: 'write_file',
  args: { path: '/etc/motd', content: 'approved later\n' },
  reason: 'agent: set the motd',
};
const confirmDecision = {
  verdict: 'confirm' as const,
  rule: 'mode:safe',
  reason: 'safe mode confirms writes',
};

function holdingService(): FakeService {
  return fakeService(() => [
    text('I will set it.'),
    {
      confirm: writeMotd,
      decision: confirmDecision,
      after: (o) => [
        {
          type: 'tool_result',
          call: { id: 'c1', name: 'write_file', args: writeMotd.args },
          ok: false,
          summary: o.outcome === 'queued' ? `queued for approval ${o.approvalId}` : o.outcome,
        },
      ],
    },
  ]);
}

describe('chat in the daemon', () => {
  it('streams events as notifications and returns the turn result', async () => {
    const h = await makeHost(fakeService(() => [text('hello '), text('there')]));
    const events: AgentEvent[] = [];
    const result = (await h.methods().chat?.({ text: 'hi' }, ctx(events))) as {
      text: string;
      sessionId: string;
    };
    expect(result).toMatchObject({ text: 'hello there', sessionId: 's1' });
    expect(events).toEqual([
      { type: 'text', delta: 'hello ' },
      { type: 'text', delta: 'there' },
    ]);
  });

  it('holds a confirm verdict in the approvals queue, linked to its session, and tells the model', async () => {
    const svc = holdingService();
    const h = await makeHost(svc);
    await h.methods().chat?.({ text: 'set the motd' }, ctx());
    expect(svc.outcomes[0]?.outcome).toBe('queued');
    const [held] = await h.listApprovals();
    expect(held).toMatchObject({
      state: 'pending',
      action: { tool: 'write_file', resource: 'chat:s1' },
      decision: { rule: 'mode:safe' },
    });
    expect(svc.outcomes[0]).toEqual({ outcome: 'queued', approvalId: held?.id });
    expect(fs.existsSync(path.join(dir, 'data', CHAT_APPROVALS_FILE))).toBe(true);
    expect(fs.existsSync(path.join(root, 'etc/motd'))).toBe(false);
  });

  it('runs an approved action through the gate and notes its result in the session', async () => {
    const svc = holdingService();
    const h = await makeHost(svc);
    const mem = openMemory(path.join(dir, 'memory.db'));
    mem.createSession({ id: 's1', title: 'set the motd' });
    await h.methods().chat?.({ text: 'set the motd' }, ctx());
    const [held] = await h.listApprovals();
    const decided = await h.decideApproval(held?.id.slice(0, 4) ?? '', 'approved');
    expect(decided).toMatchObject({ state: 'approved', ran: { ok: true, verdict: 'confirm' } });
    expect(fs.readFileSync(path.join(root, 'etc/motd'), 'utf8')).toBe('approved later\n');
    // The outcome is in the session as a tool call and its result, so --continue shows it the model.
    const history = historyFromRows(mem.messages('s1'));
    expect(history.at(-2)).toMatchObject({
      role: 'assistant',
      toolCalls: [{ id: `approval-${held?.id}`, name: 'write_file', args: { path: '/etc/motd' } }],
    });
    expect(history.at(-1)).toMatchObject({ role: 'tool', toolCallId: `approval-${held?.id}` });
    expect((history.at(-1) as { content: string }).content).toMatch(/^ok/);
    expect(await h.listApprovals()).toEqual([]);
    mem.close();
  });

  it('never runs an approved action the gate now denies', async () => {
    // Harmless if it ran (a marker file in the temp dir); the policy edit after queueing denies it.
    const marker = path.join(dir, 'never-made');
    const touch: Action = { tool: 'bash', args: { command: `touch ${marker}` }, reason: 'agent' };
    const svc = fakeService(() => [{ confirm: touch, decision: confirmDecision }]);
    const h = await makeHost(svc);
    await h.methods().chat?.({ text: 'make a marker' }, ctx());
    const [held] = await h.listApprovals();
    // biome-ignore lint/suspicious/noExplicitAny: swapping in a config with a deny rule (a reload)
    const opts = (h as any).opts;
    const loaded = await loadConfig({
      configPath: writeConfig('safe', 'dangerous_patterns = ["touch .*never-made"]\n'),
      env: {},
      flags: {},
    });
    opts.loaded = () => loaded;
    const decided = await h.decideApproval(held?.id ?? '', 'approved');
    expect(decided?.ran).toMatchObject({ ok: false, verdict: 'deny' });
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('does not run a denied approval, and leaves ids it does not know to the reconciler', async () => {
    const h = await makeHost(holdingService());
    await h.methods().chat?.({ text: 'set the motd' }, ctx());
    const [held] = await h.listApprovals();
    expect(await h.decideApproval('ffffffffff', 'approved')).toBeUndefined();
    expect(await h.decideApproval(held?.id ?? '', 'denied')).toMatchObject({ state: 'denied' });
    expect(fs.existsSync(path.join(root, 'etc/motd'))).toBe(false);
    await expect(h.decideApproval(held?.id ?? '', 'approved')).rejects.toThrow(/already denied/);
  });

  it('an approval past approval_timeout counts as denied and its session is told', async () => {
    const svc = holdingService();
    const config = writeConfig('safe', 'approval_timeout = "1s"\n');
    const loaded = await loadConfig({ configPath: config, env: {}, flags: {} });
    const paths = effectivePaths(loaded, { HOME: dir });
    host = new ChatHost({
      loaded: () => loaded,
      paths: () => paths,
      env: {},
      log: createLogger({ format: 'journal', level: 'debug', write: (l) => (logs += l) }),
      systemAgent: false,
      openService: async () => svc,
    });
    const mem = openMemory(path.join(dir, 'memory.db'));
    mem.createSession({ id: 's1', title: 'set the motd' });
    await host.methods().chat?.({ text: 'set the motd' }, ctx());
    const [held] = await host.listApprovals();
    await new Promise((r) => setTimeout(r, 1100));
    expect(await host.listApprovals()).toEqual([]);
    expect((await host.listApprovals(true))[0]).toMatchObject({ id: held?.id, state: 'expired' });
    await expect(host.decideApproval(held?.id ?? '', 'approved')).rejects.toThrow(/already expired/);
    expect(fs.existsSync(path.join(root, 'etc/motd'))).toBe(false);
    expect(mem.messages('s1').at(-1)?.content).toMatch(/expired before a person answered/);
    mem.close();
  });

  it('--yes through the daemon approves for that turn only', async () => {
    const svc = holdingService();
    const h = await makeHost(svc);
    await h.methods().chat?.({ text: 'set the motd', yes: true }, ctx());
    expect(svc.outcomes).toEqual([{ outcome: 'approved' }]);
    expect(await h.listApprovals()).toEqual([]);
  });

  it('answers a service that cannot be built with one line', async () => {
    const h = await makeHost(fakeService(() => []));
    // biome-ignore lint/suspicious/noExplicitAny: reaching the injected factory
    (h as any).opts.openService = async () => {
      throw new Error('OPENAI_API_KEY is not set\n    at somewhere');
    };
    await expect(h.methods().chat?.({ text: 'hi' }, ctx())).rejects.toThrow(/^OPENAI_API_KEY is not set$/);
  });

  it('cancels a turn by its id', async () => {
    let seen: AbortSignal | undefined;
    const svc = fakeService(() => [text('x')]);
    const chat = svc.chat.bind(svc);
    svc.chat = async (req, io) => {
      seen = io.signal;
      await h.methods()['chat.cancel']?.({ turn_id: 't1' }, ctx());
      return chat(req, io);
    };
    const h = await makeHost(svc);
    const result = (await h.methods().chat?.({ text: 'slow', turn_id: 't1' }, ctx())) as { finish: string };
    expect(seen?.aborted).toBe(true);
    expect(result.finish).toBe('cancelled');
  });
});
