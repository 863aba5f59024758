import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatIo, ChatService, ConfirmFn, Provider } from '../../../src/agents/agent-types.js';
import { createChatService } from '../../../src/agents/chat-service.js';
import { ProviderError } from '../../../src/agents/providers/create-provider.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { type EffectivePaths, effectivePaths } from '../../../src/config/paths.js';
import type { ProcessRunner } from '../../../src/host/process-runner.js';
import { type MemoryStore, openMemory } from '../../../src/memory/memory-store.js';
import { call, lastToolResult, type ScriptStep, scriptedProvider } from './scripted-provider.js';

let dir: string;
let root: string;
let closers: (() => void)[] = [];
const spawned: string[][] = [];
const runner: ProcessRunner = async (command) => {
  spawned.push(command);
  return {
    command,
    exitCode: 0,
    signal: null,
    stdout: '',
    stderr: '',
    truncated: false,
    timedOut: false,
    durationMs: 1,
  };
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-chat-'));
  root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'srv'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'specs'));
  spawned.length = 0;
});
afterEach(() => {
  for (const close of closers) close();
  closers = [];
  fs.rmSync(dir, { recursive: true, force: true });
});

async function setup(extraToml = '', env: NodeJS.ProcessEnv = {}) {
  const config = path.join(dir, 'config.toml');
  fs.writeFileSync(
    config,
    `[aios]\ndata_dir = "${dir}/data"\nsocket_path = "${dir}/s.sock"\n[memory]\npath = "${dir}/memory.db"\n` +
      `[controller]\nspecs_dir = "${dir}/specs"\nroot = "${root}"\n[recovery]\nenabled = false\n${extraToml}`,
  );
  const fullEnv = { HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'xdg'), ...env };
  const loaded = await loadConfig({ configPath: config, env: fullEnv });
  const paths: EffectivePaths = effectivePaths(loaded, fullEnv);
  return { loaded, paths, env: fullEnv };
}

async function service(
  steps: ScriptStep[] | Provider,
  extraToml = '',
  env: NodeJS.ProcessEnv = {},
): Promise<{ svc: ChatService; provider: Provider; memory: MemoryStore }> {
  const { loaded, paths, env: fullEnv } = await setup(extraToml, env);
  const provider = Array.isArray(steps) ? scriptedProvider(steps) : steps;
  const memory = openMemory(paths.memoryPath);
  const svc = await createChatService({
    loaded,
    paths,
    env: fullEnv,
    memory,
    runner,
    providerFactory: () => provider,
  });
  closers.push(
    () => svc.close(),
    () => memory.close(),
  );
  return { svc, provider, memory };
}

const approve: ConfirmFn = async () => ({ outcome: 'approved' });
const io = (extra: Partial<ChatIo> = {}): ChatIo => ({ confirm: approve, ...extra });

describe('createChatService', () => {
  it('stores the session with its user, assistant and tool messages, usage, tool calls and decisions', async () => {
    const { svc, memory } = await service([
      {
        text: 'Writing it.',
        toolCalls: [call('write_file', { path: '/srv/hello.txt', content: 'hi\n' })],
        usage: { inputTokens: 100, outputTokens: 20, costUsd: 0.0012 },
      },
      { text: 'Done: /srv/hello.txt says hi.', usage: { inputTokens: 130, outputTokens: 10 } },
    ]);
    const result = await svc.chat({ text: 'create hello.txt', source: 'cli' }, io());

    expect(result).toMatchObject({ finish: 'done', text: 'Done: /srv/hello.txt says hi.' });
    expect(result.usage).toEqual({ inputTokens: 230, outputTokens: 30, costUsd: 0.0012 });
    expect(fs.readFileSync(path.join(root, 'srv/hello.txt'), 'utf8')).toBe('hi\n');

    const session = memory.getSession(result.sessionId);
    expect(session).toMatchObject({ title: 'create hello.txt', provider: 'openai', model: 'scripted-1' });
    const rows = memory.messages(result.sessionId);
    expect(rows.map((r) => r.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(rows[1]?.data).toMatchObject({
      usage: { inputTokens: 100, outputTokens: 20, costUsd: 0.0012 },
      toolCalls: [{ name: 'write_file' }],
    });
    expect(rows[2]?.data).toMatchObject({ name: 'write_file', verdict: 'allow', outcome: 'ran' });
    expect(rows[3]?.data).toMatchObject({ usage: { inputTokens: 130, outputTokens: 10 } });

    const tool = memory.history({ kind: 'tool' });
    expect(tool).toHaveLength(1);
    expect(tool[0]?.data).toMatchObject({ tool: 'write_file', session_id: result.sessionId });
    const decisions = memory.history({ kind: 'decision' });
    expect(decisions[0]?.data).toMatchObject({
      verdict: 'allow',
      source: 'agent',
      tool: 'write_file',
      action: { tool: 'write_file', reason: 'agent: Writing it.', args: { path: '/srv/hello.txt' } },
    });
    const audit = memory.auditEntries();
    expect(audit.map((a) => a.kind)).toEqual(['tool.call']);
    expect(audit[0]?.payload).toMatchObject({
      tool: 'write_file',
      verdict: 'allow',
      ok: true,
      sessionId: result.sessionId,
    });
    expect(memory.verifyAudit().ok).toBe(true);
  });

  it('continues the latest session, or a named one, with its history', async () => {
    const { svc, provider, memory } = await service([
      { text: 'Noted: the port is 8080.' },
      { text: 'It is 8080.' },
      { text: 'Still 8080.' },
      { text: 'A fresh start.' },
    ]);
    const first = await svc.chat({ text: 'remember port 8080', source: 'cli' }, io());
    const second = await svc.chat({ text: 'which port?', continueLast: true, source: 'cli' }, io());
    const third = await svc.chat({ text: 'and now?', sessionId: first.sessionId, source: 'shell' }, io());
    const fourth = await svc.chat({ text: 'new topic', source: 'cli' }, io());

    expect(second.sessionId).toBe(first.sessionId);
    expect(third.sessionId).toBe(first.sessionId);
    expect(fourth.sessionId).not.toBe(first.sessionId);
    const requests = (provider as ReturnType<typeof scriptedProvider>).requests;
    expect(requests[1]?.messages).toEqual([
      { role: 'user', content: 'remember port 8080' },
      { role: 'assistant', content: 'Noted: the port is 8080.' },
      { role: 'user', content: 'which port?' },
    ]);
    expect(requests[2]?.messages).toHaveLength(5);
    expect(requests[3]?.messages).toEqual([{ role: 'user', content: 'new topic' }]);
    expect(memory.messages(first.sessionId)).toHaveLength(6);
    expect(svc.sessions().map((s) => s.id)).toEqual([fourth.sessionId, first.sessionId]);
  });

  it('continues the last conversation, not a session an intent or the system agent ran since', async () => {
    const { svc, provider, memory } = await service([{ text: 'Hi.' }, { text: 'Again.' }]);
    const first = await svc.chat({ text: 'hello', source: 'cli' }, io());
    const later = Date.now() + 1000;
    memory.createSession({ title: 'intent:hello-page', ts: later });
    memory.createSession({ title: 'diagnosis: file:/etc/motd', ts: later + 1 });
    const second = await svc.chat({ text: 'again', continueLast: true, source: 'cli' }, io());
    expect(second.sessionId).toBe(first.sessionId);
    expect((provider as ReturnType<typeof scriptedProvider>).requests[1]?.messages).toHaveLength(3);
  });

  it('refuses an unknown session id without storing anything', async () => {
    const { svc, memory } = await service([{ text: 'never' }]);
    await expect(svc.chat({ text: 'hi', sessionId: 'nope', source: 'cli' }, io())).rejects.toThrow(
      /no chat session "nope"/,
    );
    expect(memory.counts().chat_sessions).toBe(0);
  });

  it('reports a missing API key as a one-line ProviderError before any session row exists', async () => {
    const { loaded, paths, env } = await setup();
    const memory = openMemory(paths.memoryPath);
    const svc = await createChatService({
      loaded,
      paths,
      env: { ...env, OPENAI_API_KEY: '' },
      memory,
      runner,
    });
    closers.push(
      () => svc.close(),
      () => memory.close(),
    );
    const err = await svc.chat({ text: 'hello', source: 'cli' }, io()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).not.toContain('\n');
    expect((err as Error).message).toMatch(/OPENAI_API_KEY/);
    expect(memory.counts()).toMatchObject({ chat_sessions: 0, chat_messages: 0 });
  });

  it('builds the system prompt from host facts, the mode, the managed resources, the last run and memory', async () => {
    fs.writeFileSync(
      path.join(dir, 'specs', 'web.toml'),
      '[[package]]\nname = "nginx"\n\n[[file]]\npath = "/etc/motd"\ncontent = "hi"\n',
    );
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/os-release'), 'PRETTY_NAME="Testian GNU/Linux 99"\n');
    const { svc, provider, memory } = await service([{ text: 'ok' }], '[security]\nmode = "safe"\n');
    const runId = memory.startRun({ trigger: 'watch' });
    memory.recordEvent({
      runId,
      resourceId: 'file:/etc/motd',
      status: 'failed',
      label: 'aios',
      message: 'permission denied',
    });
    memory.finishRun(runId, { status: 'failed' });
    memory.recordCommand({ argv: ['aios', 'apply', '--only', 'package:nginx'], exitCode: 0 });

    await svc.chat({ text: 'why did nginx apply fail', source: 'cli' }, io());
    const system = (provider as ReturnType<typeof scriptedProvider>).requests[0]?.system ?? '';
    expect(system).toContain('OS: Testian GNU/Linux 99');
    expect(system).toContain(`managed root: ${root}`);
    expect(system).toContain(
      'Policy mode: safe: reads run; every write, exec and network action asks a person first',
    );
    expect(system).toContain('- package:nginx');
    expect(system).toContain('- file:/etc/motd');
    expect(system).toContain('Last reconcile: watch');
    expect(system).toContain('file:/etc/motd: failed: permission denied');
    expect(system).toMatch(/From memory[^\n]*\n- \[command [^\]]+\] aios apply --only package:nginx/);
  });

  it('vetoes a write through the security agent and records its reason', async () => {
    const core = scriptedProvider([
      {
        toolCalls: [
          call('write_file', { path: '/srv/authorized_keys', content: 'ssh-ed25519 AAAA attacker' }),
        ],
      },
      (req) => ({ text: lastToolResult(req) }),
    ]);
    // The reviewer is the same provider object with its own prompt: route by system prompt.
    const routed: Provider = {
      name: 'openai',
      model: 'scripted-1',
      complete: async (req) => {
        if (req.system.startsWith('You are the security reviewer')) {
          return {
            text: '{"verdict":"deny","reason":"adds an SSH key nobody asked for"}',
            toolCalls: [],
            usage: { inputTokens: 50, outputTokens: 9 },
            stopReason: 'end',
            model: 'scripted-1',
          };
        }
        return core.complete(req);
      },
    };
    const { svc, memory } = await service(routed, '[agents]\nsecurity_agent = true\n');
    const result = await svc.chat({ text: 'tidy /srv', source: 'cli' }, io());

    expect(fs.existsSync(path.join(root, 'srv/authorized_keys'))).toBe(false);
    expect(result.toolCalls[0]).toMatchObject({ verdict: 'deny', rule: 'agent:security-review', ok: false });
    expect(result.usage.inputTokens).toBe(10 + 10 + 50);
    const decision = memory.history({ kind: 'decision' })[0]?.data;
    expect(decision).toMatchObject({ verdict: 'deny', rule: 'agent:security-review', source: 'agent' });
    expect(String(decision?.reason)).toContain('adds an SSH key nobody asked for');
    const toolRow = memory.messages(result.sessionId).find((m) => m.role === 'tool');
    expect(toolRow?.data).toMatchObject({
      review: { verdict: 'deny' },
      reviewUsage: { inputTokens: 50, outputTokens: 9 },
    });
    const audit = memory.auditEntries();
    expect(audit.map((a) => a.kind)).toEqual(['policy.decision']);
    expect(audit[0]?.payload).toMatchObject({ outcome: 'denied', review: { verdict: 'deny' } });
  });

  it('records a queued confirm and that the action did not run', async () => {
    const { svc, memory } = await service(
      [
        { toolCalls: [call('write_file', { path: '/srv/q', content: 'x' })] },
        { text: 'It awaits approval.' },
      ],
      '[security]\nmode = "safe"\n',
    );
    await svc.chat(
      { text: 'write q', source: 'daemon' },
      io({ confirm: async () => ({ outcome: 'queued', approvalId: 'ap-7' }) }),
    );
    expect(fs.existsSync(path.join(root, 'srv/q'))).toBe(false);
    expect(memory.history({ kind: 'tool' })[0]?.data).toMatchObject({
      result_summary: 'not run: queued for approval ap-7',
    });
    expect(memory.auditEntries()[0]?.payload).toMatchObject({
      outcome: 'queued',
      confirm: { approvalId: 'ap-7' },
      via: 'daemon',
    });
  });

  it('respects [llm] max_steps and marks a cut-short turn in the session', async () => {
    const steps = Array.from({ length: 5 }, () => ({ toolCalls: [call('list_dir', { path: '/srv' })] }));
    const { svc, memory } = await service(steps, '[llm]\nmax_steps = 2\nmax_tokens = 321\n');
    const result = await svc.chat({ text: 'loop', source: 'cli' }, io());
    expect(result).toMatchObject({ finish: 'max_steps', steps: 2 });
    const rows = memory.messages(result.sessionId);
    expect(rows.at(-1)).toMatchObject({ role: 'system', content: 'turn ended: max_steps' });
    // The next turn in that session replays a well-formed history (no system rows, every call answered).
    const { svc: again, provider } = await service([{ text: 'ok' }]);
    await again.chat({ text: 'go on', sessionId: result.sessionId, source: 'cli' }, io());
    const replay = (provider as ReturnType<typeof scriptedProvider>).requests[0]?.messages ?? [];
    expect(replay.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool', 'user']);
  });

  it('passes [llm] max_tokens to the provider', async () => {
    const { svc, provider } = await service([{ text: 'ok' }], '[llm]\nmax_tokens = 321\n');
    await svc.chat({ text: 'hi', source: 'cli' }, io());
    expect((provider as ReturnType<typeof scriptedProvider>).requests[0]?.maxTokens).toBe(321);
  });

  it("applies the config's dangerous_patterns and require_confirm to the agent's calls", async () => {
    const { svc, memory } = await service(
      [
        {
          toolCalls: [
            call('bash', { command: 'shutdown -h now' }),
            call('bash', { command: 'systemctl restart nginx' }),
          ],
        },
        { text: 'ok' },
      ],
      '[security]\ndangerous_patterns = ["shutdown.*"]\nrequire_confirm = ["systemctl restart .*"]\n',
    );
    const asked: string[] = [];
    const result = await svc.chat(
      { text: 'reboot it', source: 'cli' },
      io({
        confirm: async (action, decision) => {
          asked.push(`${String(action.args.command)} ${decision.rule}`);
          return { outcome: 'denied' };
        },
      }),
    );
    expect(result.toolCalls.map((t) => [t.verdict, t.rule])).toEqual([
      ['deny', 'config:dangerous_patterns[0]'],
      ['confirm', 'config:require_confirm[0]'],
    ]);
    expect(asked).toEqual(['systemctl restart nginx config:require_confirm[0]']);
    expect(spawned).toEqual([]);
    expect(memory.auditEntries().map((a) => (a.payload as { outcome: string }).outcome)).toEqual([
      'denied',
      'declined',
    ]);
  });

  it('stores a cancelled turn as cut short and runs nothing after the cancel', async () => {
    const ac = new AbortController();
    const { svc, memory } = await service([
      () => {
        ac.abort();
        return { toolCalls: [call('write_file', { path: '/srv/late', content: 'x' })] };
      },
    ]);
    const result = await svc.chat({ text: 'slow thing', source: 'shell' }, io({ signal: ac.signal }));
    expect(result.finish).toBe('cancelled');
    expect(fs.existsSync(path.join(root, 'srv/late'))).toBe(false);
    const rows = memory.messages(result.sessionId);
    expect(rows.map((r) => r.role)).toEqual(['user', 'assistant', 'tool', 'system']);
    expect(rows.at(-1)?.content).toBe('turn ended: cancelled');
    expect(memory.counts().decisions).toBe(0);
  });
});
