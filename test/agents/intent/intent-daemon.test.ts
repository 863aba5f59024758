// The daemon converges intents with the same tool as `aios apply`: the agent acts through the
// fake OpenAI server, and in safe mode both the intent and the agent's own writes wait in the
// approvals queue until a person answers (or `aios apply --yes` through the socket approves them).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Approval } from '../../../src/policy/gate-types.js';
import { callDaemon } from '../../../src/runtime/rpc-client.js';
import { type FakeServer, startFakeOpenAI } from '../../fixtures/fake-llm/fake-openai.js';
import type { RecordedRequest } from '../../fixtures/fake-llm/fake-script.js';
import { AIOS, DaemonProcess, isolatedEnv, makeSandbox, type Sandbox } from '../../runtime/daemon-harness.js';

let box: Sandbox | undefined;
let daemon: DaemonProcess | undefined;
let server: FakeServer | undefined;

afterEach(async () => {
  await daemon?.kill();
  await server?.close();
  if (box) await fs.promises.rm(box.dir, { recursive: true, force: true });
  daemon = undefined;
  server = undefined;
  box = undefined;
});

const SPEC = `[[intent]]
name = "greeting"
goal = "the file /etc/greeting contains hello"
check = "grep -q hello etc/greeting"
max_attempts = 1
`;

/** Writes the greeting when asked to act; says it is done after the tool result. */
const agent = (req: RecordedRequest) =>
  req.body?.messages?.at(-1)?.role === 'tool'
    ? { text: 'done' }
    : { toolCalls: [{ name: 'write_file', args: { path: '/etc/greeting', content: 'hello\n' } }] };

/** `aios ARGS` without blocking this process (the fake server answers from here). */
function cli(b: Sandbox, args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, [AIOS, ...args, '--config', b.config], { env });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}

const greeting = () => {
  try {
    return fs.readFileSync(path.join((box as Sandbox).root, 'etc/greeting'), 'utf8');
  } catch {
    return undefined;
  }
};

describe('aios-runtime with an [[intent]]', { timeout: 120_000 }, () => {
  it('converges the intent at start through the agent and logs what it did', async () => {
    server = await startFakeOpenAI(agent);
    box = await makeSandbox('aios-intent-daemon-');
    fs.writeFileSync(path.join(box.specs, 'intent.toml'), SPEC);
    const env = isolatedEnv(box.dir, {
      OPENAI_BASE_URL: server.url,
      OPENAI_API_KEY: 'sk-daemon-test-000000',
    });
    daemon = await DaemonProcess.start(box.config, env);
    await daemon.until('intent converged', () => greeting() === 'hello\n');
    await daemon.until(
      'agent logged',
      () =>
        daemon?.log.includes(
          'intent:greeting attempt 1: write_file /etc/greeting → allow (mode:normal), ran',
        ) === true,
    );
    const diff = await cli(box, ['diff'], env);
    expect(diff.code).toBe(0);
  });

  it('in safe mode holds the intent, then the agent’s write, for approval; apply --yes converges', async () => {
    server = await startFakeOpenAI(agent);
    box = await makeSandbox('aios-intent-daemon-', { tail: '[security]\nmode = "safe"\n' });
    fs.writeFileSync(path.join(box.specs, 'intent.toml'), SPEC);
    const env = isolatedEnv(box.dir, {
      OPENAI_BASE_URL: server.url,
      OPENAI_API_KEY: 'sk-daemon-test-000000',
    });
    daemon = await DaemonProcess.start(box.config, env);
    const sock = box.sock;
    const held = async (tool: string) =>
      ((await callDaemon(sock, 'approvals.list', {})) as Approval[]).find((a) => a.action.tool === tool);

    await daemon.until('intent held', async () => (await held('intent')) !== undefined);
    expect(server.chatRequests).toHaveLength(0);
    const intent = (await held('intent')) as Approval;
    expect(intent.decision.rule).toBe('mode:safe');
    expect((await cli(box, ['approve', intent.id], env)).code).toBe(0);

    // The approved intent runs; the agent's write needs its own approval and does not run meanwhile.
    await daemon.until('agent write held', async () => (await held('write_file')) !== undefined);
    const write = (await held('write_file')) as Approval;
    expect(write.action.args).toMatchObject({ path: '/etc/greeting' });
    expect(greeting()).toBeUndefined();

    const apply = await cli(box, ['apply', '--yes'], env);
    expect(apply.code).toBe(0);
    // The daemon streams what the agent does to the waiting CLI.
    expect(apply.out).toContain(
      'intent:greeting attempt 1: write_file /etc/greeting → confirm (mode:safe), ran',
    );
    expect(apply.out).toContain('intent:greeting attempt 1: check exit 0');
    expect(greeting()).toBe('hello\n');
  });

  it('does not call the model on every retry of an intent it gave up on', async () => {
    server = await startFakeOpenAI((req) =>
      req.body?.messages?.at(-1)?.role === 'tool'
        ? { text: 'tried' }
        : { toolCalls: [{ name: 'write_file', args: { path: '/etc/greeting', content: 'nope\n' } }] },
    );
    box = await makeSandbox('aios-intent-daemon-');
    fs.writeFileSync(path.join(box.specs, 'intent.toml'), SPEC);
    const env = isolatedEnv(box.dir, {
      OPENAI_BASE_URL: server.url,
      OPENAI_API_KEY: 'sk-daemon-test-000000',
    });
    daemon = await DaemonProcess.start(box.config, env);
    // The work queue retries a failed resource after 1 s, 2 s, 4 s...: wait for two held retries.
    await daemon.until(
      'two held retries',
      () => (daemon?.log.match(/not tried again with the same spec/g) ?? []).length >= 2,
    );
    expect(server.chatRequests).toHaveLength(2);
    // A person asking (apply through the socket) tries again.
    const apply = await cli(box, ['apply'], env);
    expect(apply.code).toBe(1);
    expect(server.chatRequests).toHaveLength(4);
  });

  it('answers aios diff for an unconverged intent exactly as the in-process diff does', async () => {
    box = await makeSandbox('aios-intent-daemon-', { controller: 'watch = false\nresync_interval = "1h"' });
    fs.writeFileSync(path.join(box.specs, 'intent.toml'), SPEC);
    // No key: the daemon's first pass fails the intent; diff needs none.
    const env = isolatedEnv(box.dir, { OPENAI_API_KEY: '' });
    daemon = await DaemonProcess.start(box.config, env);
    await daemon.until('first pass', () => daemon?.log.includes('intent:greeting') === true);
    const remote = await cli(box, ['diff'], env);
    const local = await cli(box, ['diff'], { ...env, AIOS_NO_DAEMON: '1' });
    expect(remote.code).toBe(2);
    expect(local.code).toBe(2);
    expect(remote.out).toBe(local.out);
    expect(remote.out).toContain('| grep: etc/greeting: No such file or directory');
  });
});
