import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openMemory } from '../../../src/memory/memory-store.js';
import { type FakeServer, startFakeOpenAI } from '../../fixtures/fake-llm/fake-openai.js';
import { DaemonProcess } from '../../runtime/daemon-harness.js';
import {
  aios,
  aiosOnTty,
  type ChatBox,
  cancelThenAskAgain,
  chatEnv,
  filesContaining,
  HAS_SCRIPT,
  lastToolContent,
  makeChatBox,
  PLANTED_KEY,
} from './e2e-harness.js';

// `aios chat` through a running daemon: the daemon runs the turn and streams its events; a confirm
// verdict waits in the approvals queue; `aios approve` runs it and the session remembers it.
let box: ChatBox;
let fake: FakeServer | undefined;
let daemon: DaemonProcess | undefined;

afterEach(async () => {
  await daemon?.kill();
  daemon = undefined;
  await fake?.close();
  fake = undefined;
  if (box) await fs.promises.rm(box.dir, { recursive: true, force: true });
});

const SESSION_LINE = /^session ([0-9a-f-]{36}) · /m;

async function startDaemon(env: NodeJS.ProcessEnv): Promise<DaemonProcess> {
  daemon = await DaemonProcess.start(box.config, env);
  return daemon;
}

/** The `source` recorded with each user message of a session. */
function sources(sessionId: string): unknown[] {
  const mem = openMemory(box.memory);
  try {
    return mem
      .messages(sessionId)
      .filter((m) => m.role === 'user')
      .map((m) => (m.data as { source?: string } | null)?.source);
  } finally {
    mem.close();
  }
}

describe('aios chat through the daemon', { timeout: 90_000 }, () => {
  it('prints the same output as in process, and the turn ran in the daemon', async () => {
    box = await makeChatBox('aios-dchat-same-');
    const script = () => [
      { text: 'Looking.', toolCalls: [{ name: 'list_dir', args: { path: '/etc' } }] },
      { text: 'Nothing in /etc yet.' },
    ];
    fake = await startFakeOpenAI(script(), { apiKey: PLANTED_KEY });
    const env = chatEnv(box, { OPENAI_BASE_URL: fake.url });
    const local = await aios(box, ['chat', 'what is in /etc?'], { ...env, AIOS_NO_DAEMON: '1' });
    expect(local.code).toBe(0);
    fake.push(...script());
    await startDaemon(env);
    const remote = await aios(box, ['chat', 'what is in /etc?'], env);
    expect(remote.code).toBe(0);
    expect(remote.out).toBe(local.out);
    expect(remote.out).toContain('→ list_dir /etc  [allow · mode:normal]');
    const localId = SESSION_LINE.exec(local.err)?.[1] ?? '';
    const remoteId = SESSION_LINE.exec(remote.err)?.[1] ?? '';
    expect(sources(localId)).toEqual(['cli']);
    expect(sources(remoteId)).toEqual(['daemon:cli']);
  });

  it('keeps a key a tool read out of the streamed events, the daemon log and every file', async () => {
    box = await makeChatBox('aios-dchat-key-');
    fs.writeFileSync(path.join(box.root, 'etc/leak.txt'), `the key is ${PLANTED_KEY}\n`);
    fake = await startFakeOpenAI(
      [
        { toolCalls: [{ name: 'read_file', args: { path: '/etc/leak.txt' } }] },
        (req) => ({ text: `The file says: ${lastToolContent(req.body)}` }),
      ],
      { apiKey: PLANTED_KEY },
    );
    // The CLI has no key of its own here: only the daemon could scrub it.
    const d = await startDaemon(chatEnv(box, { OPENAI_BASE_URL: fake.url }));
    const r = await aios(
      box,
      ['chat', 'read /etc/leak.txt'],
      chatEnv(box, { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined }),
    );
    expect(r.code).toBe(0);
    expect(lastToolContent(fake.chatRequests[1]?.body)).toContain(PLANTED_KEY);
    expect(r.out).toContain('The file says:');
    expect(r.out + r.err).not.toContain(PLANTED_KEY);
    expect(d.log).not.toContain(PLANTED_KEY);
    expect(filesContaining(box.dir, PLANTED_KEY, [box.root])).toEqual([]);
  });

  it('runs in process when this shell points the provider elsewhere than the daemon does', async () => {
    box = await makeChatBox('aios-dchat-endpoint-');
    fake = await startFakeOpenAI([{ text: 'Answered by the server you chose.' }], { apiKey: PLANTED_KEY });
    // The daemon knows only the example's base_url (the real API); this shell names the fake one.
    await startDaemon(chatEnv(box));
    const r = await aios(box, ['chat', 'where am I?'], chatEnv(box, { OPENAI_BASE_URL: fake.url }));
    expect(r.code).toBe(0);
    expect(r.out).toBe('Answered by the server you chose.\n');
    expect(sources(SESSION_LINE.exec(r.err)?.[1] ?? '')).toEqual(['cli']);
  });

  it('holds a confirm in the approvals queue; after approve the action ran and --continue sees it', async () => {
    box = await makeChatBox('aios-dchat-appr-', { mode: 'safe' });
    fake = await startFakeOpenAI(
      [
        {
          toolCalls: [{ name: 'write_file', args: { path: '/etc/motd', content: 'approved by a person\n' } }],
        },
        { text: 'It awaits your approval.' },
      ],
      { apiKey: PLANTED_KEY },
    );
    const env = chatEnv(box, { OPENAI_BASE_URL: fake.url });
    await startDaemon(env);
    const r = await aios(box, ['chat', 'set the motd'], env);
    expect(r.code).toBe(0);
    expect(r.out).toContain('→ write_file /etc/motd  [confirm · mode:safe]');
    expect(r.out).toMatch(
      /✗ queued for approval ([0-9a-f]{8})\n {4}waits for a person: aios approve \1 \(or aios deny \1\)\n/,
    );
    expect(r.out).toContain('It awaits your approval.');
    expect(fs.existsSync(path.join(box.root, 'etc/motd'))).toBe(false);
    const sessionId = SESSION_LINE.exec(r.err)?.[1];

    const list = await aios(box, ['approvals', '--json'], env);
    expect(list.code).toBe(0);
    const held = JSON.parse(list.out) as { id: string; action: { tool: string; resource: string } }[];
    expect(held).toHaveLength(1);
    expect(held[0]?.action).toMatchObject({ tool: 'write_file', resource: `chat:${sessionId}` });
    // The model was told it is queued, under that id.
    expect(lastToolContent(fake.chatRequests[1]?.body)).toContain(`queued as approval ${held[0]?.id}`);
    const human = await aios(box, ['approvals'], env);
    expect(human.out).toContain('rule mode:safe');

    const yes = await aios(box, ['approve', held[0]?.id ?? ''], env);
    expect(yes.code).toBe(0);
    expect(yes.out).toContain(`${held[0]?.id} approved: it ran:`);
    expect(fs.readFileSync(path.join(box.root, 'etc/motd'), 'utf8')).toBe('approved by a person\n');
    expect(JSON.parse((await aios(box, ['approvals', '--json'], env)).out)).toEqual([]);

    fake.push((req) => ({ text: `Last tool result: ${lastToolContent(req.body).split('\n')[0]}` }));
    const next = await aios(box, ['chat', 'did it run?', '--continue'], env);
    expect(next.code).toBe(0);
    expect(next.out).toBe('Last tool result: ok\n');
    expect(SESSION_LINE.exec(next.err)?.[1]).toBe(sessionId);
  });

  it('a denied chat approval never runs, and the session says so', async () => {
    box = await makeChatBox('aios-dchat-deny-', { mode: 'safe' });
    fake = await startFakeOpenAI(
      [
        { toolCalls: [{ name: 'write_file', args: { path: '/etc/motd', content: 'no\n' } }] },
        { text: 'Queued.' },
      ],
      { apiKey: PLANTED_KEY },
    );
    const env = chatEnv(box, { OPENAI_BASE_URL: fake.url });
    await startDaemon(env);
    const r = await aios(box, ['chat', 'set the motd'], env);
    const [held] = JSON.parse((await aios(box, ['approvals', '--json'], env)).out) as { id: string }[];
    expect((await aios(box, ['deny', held?.id ?? ''], env)).code).toBe(0);
    expect(fs.existsSync(path.join(box.root, 'etc/motd'))).toBe(false);
    const mem = openMemory(box.memory);
    const last = mem.messages(SESSION_LINE.exec(r.err)?.[1] ?? '').at(-1);
    mem.close();
    expect(last?.content).toMatch(/was denied by a person: write_file \/etc\/motd did not run/);
  });

  it('--yes through the daemon approves for that turn', async () => {
    box = await makeChatBox('aios-dchat-yes-', { mode: 'safe' });
    fake = await startFakeOpenAI(
      [
        { toolCalls: [{ name: 'write_file', args: { path: '/etc/motd', content: 'yes\n' } }] },
        { text: 'Done.' },
      ],
      { apiKey: PLANTED_KEY },
    );
    const env = chatEnv(box, { OPENAI_BASE_URL: fake.url });
    await startDaemon(env);
    const r = await aios(box, ['chat', 'set the motd', '--yes'], env);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(box.root, 'etc/motd'), 'utf8')).toBe('yes\n');
  });

  it('a daemon with no API key keeps running; chat answers with one line and exit 1', async () => {
    box = await makeChatBox('aios-dchat-nokey-');
    const env = chatEnv(box, { OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined });
    await startDaemon(env);
    const r = await aios(box, ['chat', 'hello'], env);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^aios: openai needs an API key: set OPENAI_API_KEY.* for aios-runtime, which runs this chat$/,
      ),
    ]);
    expect((await aios(box, ['status'], env)).code).toBe(0);
    expect(daemon?.running).toBe(true);
  });

  it('the shell works through the daemon too', async () => {
    box = await makeChatBox('aios-dchat-shell-');
    fake = await startFakeOpenAI([{ text: 'First answer.' }, { text: 'Second answer.' }], {
      apiKey: PLANTED_KEY,
    });
    const env = chatEnv(box, { OPENAI_BASE_URL: fake.url });
    await startDaemon(env);
    const r = await aios(box, ['shell'], env, 'one\ntwo\n/sessions\n');
    expect(r.code).toBe(0);
    expect(r.out).toContain('First answer.\nSecond answer.\n');
    // The second line continued the first one's session, in the daemon.
    const second = fake.chatRequests[1]?.body.messages as { role: string; content: string }[];
    expect(second.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['one', 'two']);
    expect(r.out).toMatch(/^[0-9a-f-]{36} {2}\S+ {2}one$/m);
  });

  it('the system agent diagnoses a failing resource with read-only tools; status shows it; the key stays in', async () => {
    box = await makeChatBox('aios-dchat-sysagent-', { systemAgent: true });
    // /blocked is a file, so the file resource under it cannot be written: a failed reconcile.
    fs.writeFileSync(path.join(box.root, 'blocked'), 'not a directory\n');
    fs.writeFileSync(
      path.join(box.specs, 'bad.toml'),
      '[[file]]\npath = "/blocked/app.conf"\ncontent = "x\\n"\n',
    );
    fake = await startFakeOpenAI(
      [
        { toolCalls: [{ name: 'stat', args: { path: '/blocked' } }] },
        {
          text: 'Cause: /blocked is a regular file, not a directory.\nProposed fix: remove it or move the file.',
        },
      ],
      { apiKey: PLANTED_KEY },
    );
    const env = chatEnv(box, { OPENAI_BASE_URL: fake.url });
    const d = await startDaemon(env);
    await d.until(
      'diagnosis stored',
      () => d.log.includes('diagnosis of file:/blocked/app.conf: done'),
      30_000,
    );
    const [first] = fake.chatRequests;
    const offered = ((first?.body.tools ?? []) as { function: { name: string } }[]).map(
      (t) => t.function.name,
    );
    expect(offered).toContain('read_file');
    expect(offered).not.toContain('bash');
    expect(offered).not.toContain('write_file');
    expect(first?.body.messages.at(-1).content).toContain('file:/blocked/app.conf failed to reconcile');

    const status = await aios(box, ['status'], env);
    expect(status.code).toBe(0);
    expect(status.out).toContain('diagnosis of file:/blocked/app.conf');
    expect(status.out).toContain('Cause: /blocked is a regular file, not a directory.');
    const json = JSON.parse((await aios(box, ['status', '--json'], env)).out);
    expect(json.diagnosis).toMatchObject({ resource: 'file:/blocked/app.conf' });
    expect(json.diagnosis.text).toContain('Proposed fix: remove it or move the file.');
    const history = await aios(box, ['history', '--kind', 'chat'], env);
    expect(history.out).toContain('assistant: Cause: /blocked is a regular file');
    // Nothing was applied: the blocking file is as it was.
    expect(fs.readFileSync(path.join(box.root, 'blocked'), 'utf8')).toBe('not a directory\n');
    // Rate-limited: later failing passes of the same resource do not ask again.
    await d.signal('SIGHUP');
    await new Promise((r) => setTimeout(r, 2500));
    expect(fake.chatRequests).toHaveLength(2);

    expect(d.log).not.toContain(PLANTED_KEY);
    expect(filesContaining(box.dir, PLANTED_KEY)).toEqual([]);
  });

  it('without a key the system agent logs one warning per resource and leaves no empty diagnosis', async () => {
    box = await makeChatBox('aios-dchat-sysagent-nokey-', { systemAgent: true });
    fs.writeFileSync(path.join(box.root, 'blocked'), 'not a directory\n');
    fs.writeFileSync(
      path.join(box.specs, 'bad.toml'),
      '[[file]]\npath = "/blocked/app.conf"\ncontent = "x\\n"\n',
    );
    const env = chatEnv(box, { OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined });
    const d = await startDaemon(env);
    await d.until('warning', () =>
      d.log.includes('diagnosis of file:/blocked/app.conf failed: openai needs an API key'),
    );
    const status = await aios(box, ['status', '--json'], env);
    expect(JSON.parse(status.out).diagnosis).toBeNull();
    // The reconciler retries the failing resource; the rate limit keeps it to one attempt.
    await new Promise((r) => setTimeout(r, 2500));
    expect(d.log.split('diagnosis of file:/blocked/app.conf failed').length - 1).toBe(1);
    expect(d.running).toBe(true);
  });

  it.skipIf(!HAS_SCRIPT)(
    'Ctrl-C in a shell through the daemon cancels the turn there, and the shell goes on',
    async () => {
      box = await makeChatBox('aios-dchat-cancel-');
      fake = await startFakeOpenAI([{ text: 'Too slow.', delayMs: 20_000 }, { text: 'Quick answer.' }], {
        apiKey: PLANTED_KEY,
      });
      const env = chatEnv(box, { OPENAI_BASE_URL: fake.url });
      await startDaemon(env);
      const tty = aiosOnTty(box, ['shell'], env);
      expect(await cancelThenAskAgain(tty, fake, 'slow question')).toBe(0);
      expect(tty.output()).toContain('through the daemon');
      expect(tty.output()).not.toContain('Too slow.');
    },
  );
});
