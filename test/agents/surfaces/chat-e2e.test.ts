import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openMemory } from '../../../src/memory/memory-store.js';
import { startFakeAnthropic } from '../../fixtures/fake-llm/fake-anthropic.js';
import { type FakeServer, startFakeOpenAI } from '../../fixtures/fake-llm/fake-openai.js';
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

// The built CLI against loopback fake servers that speak the OpenAI and Anthropic wire formats,
// with the shipped example config (its base_url overridden by OPENAI_BASE_URL / ANTHROPIC_BASE_URL).
// In process: no daemon answers on the sandbox's socket.
let box: ChatBox;
let fake: FakeServer | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
  if (box) await fs.promises.rm(box.dir, { recursive: true, force: true });
});

const SESSION_LINE = /^session ([0-9a-f-]{36}) · /m;

describe('aios chat in process', { timeout: 60_000 }, () => {
  it('streams an answer from an OpenAI-compatible server named by OPENAI_BASE_URL', async () => {
    box = await makeChatBox('aios-chat-oai-');
    fake = await startFakeOpenAI([{ text: 'Hello from the fake model.' }], { apiKey: PLANTED_KEY });
    const r = await aios(box, ['chat', 'say hello'], chatEnv(box, { OPENAI_BASE_URL: fake.url }));
    expect(r.err).toMatch(SESSION_LINE);
    expect(r.code).toBe(0);
    expect(r.out).toBe('Hello from the fake model.\n');
    const [req] = fake.chatRequests;
    expect(req?.body.model).toBe('gpt-4');
    expect(req?.body.stream).toBe(true);
    expect(req?.body.messages.at(-1)).toMatchObject({ role: 'user', content: 'say hello' });
    // The session is stored under the id the footer names.
    const id = SESSION_LINE.exec(r.err)?.[1] ?? '';
    const mem = openMemory(box.memory);
    expect(mem.messages(id).map((m) => [m.role, m.content])).toEqual([
      ['user', 'say hello'],
      ['assistant', 'Hello from the fake model.'],
    ]);
    mem.close();
  });

  it('speaks to an Anthropic server named by ANTHROPIC_BASE_URL with --provider and --model', async () => {
    box = await makeChatBox('aios-chat-ant-');
    fake = await startFakeAnthropic([{ text: 'Bonjour from Claude-ish.' }], { apiKey: PLANTED_KEY });
    const r = await aios(
      box,
      ['chat', 'bonjour', '--provider', 'anthropic', '--model', 'claude-fake-1'],
      chatEnv(box, { ANTHROPIC_BASE_URL: fake.url }),
    );
    expect(r.err).toMatch(SESSION_LINE);
    expect(r.code).toBe(0);
    expect(r.out).toBe('Bonjour from Claude-ish.\n');
    expect(fake.chatRequests[0]?.path).toBe('/v1/messages');
    expect(fake.chatRequests[0]?.body.model).toBe('claude-fake-1');
  });

  it('changes a file in a --root through a multi-step tool conversation, then --continue sees it', async () => {
    box = await makeChatBox('aios-chat-tools-');
    const write = { name: 'write_file', args: { path: '/srv/motd.txt', content: 'hello from the agent\n' } };
    fake = await startFakeOpenAI(
      [
        { text: 'Let me look first.', toolCalls: [{ name: 'list_dir', args: { path: '/etc' } }] },
        { toolCalls: [write] },
        // The write failed (no /srv): a failing tool is a result the model answers, not a crash.
        (req) =>
          lastToolContent(req.body).includes('parent directory does not exist')
            ? { toolCalls: [{ name: 'mkdir', args: { path: '/srv' } }] }
            : { text: 'unexpected' },
        { toolCalls: [write] },
        (req) => ({ text: `Written (${lastToolContent(req.body).split('\n')[0]}).` }),
        (req) => ({
          text: req.body.messages.some((m: { content?: unknown }) => m.content === 'write the motd')
            ? 'I remember: I wrote /srv/motd.txt.'
            : 'I do not remember.',
        }),
      ],
      { apiKey: PLANTED_KEY },
    );
    const env = chatEnv(box, { OPENAI_BASE_URL: fake.url });
    const r = await aios(box, ['chat', 'write the motd', '--root', box.root], env);
    expect(r.err).toMatch(SESSION_LINE);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(box.root, 'srv/motd.txt'), 'utf8')).toBe('hello from the agent\n');
    expect(r.out.split('\n')).toEqual([
      'Let me look first.',
      '→ list_dir /etc  [allow · mode:normal]',
      '  ✓ (empty directory)',
      '→ write_file /srv/motd.txt  [allow · mode:normal]',
      '  ✗ parent directory does not exist: /srv',
      '→ mkdir /srv  [allow · mode:normal]',
      expect.stringMatching(/^ {2}✓ /),
      '→ write_file /srv/motd.txt  [allow · mode:normal]',
      expect.stringMatching(/^ {2}✓ /),
      'Written (ok).',
      '',
    ]);
    expect(fake.chatRequests).toHaveLength(5);

    const again = await aios(box, ['chat', 'what did you do?', '--continue', '--root', box.root], env);
    expect(again.code).toBe(0);
    expect(again.out).toBe('I remember: I wrote /srv/motd.txt.\n');
    expect(SESSION_LINE.exec(again.err)?.[1]).toBe(SESSION_LINE.exec(r.err)?.[1]);
  });

  it('--json prints one result with the session id, tool calls and usage', async () => {
    box = await makeChatBox('aios-chat-json-');
    fake = await startFakeOpenAI(
      [
        { toolCalls: [{ name: 'read_file', args: { path: '/etc/hostname' } }] },
        { text: 'No hostname file.' },
      ],
      { apiKey: PLANTED_KEY },
    );
    const r = await aios(
      box,
      ['chat', 'hostname?', '--json', '--root', box.root],
      chatEnv(box, { OPENAI_BASE_URL: fake.url }),
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result).toMatchObject({
      text: 'No hostname file.',
      finish: 'done',
      steps: 2,
      tool_calls: [{ tool: 'read_file', args: { path: '/etc/hostname' }, verdict: 'allow', ok: false }],
    });
    expect(result.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
  });

  it('a missing key is one line on stderr and exit 1, with no session stored', async () => {
    box = await makeChatBox('aios-chat-nokey-');
    const r = await aios(
      box,
      ['chat', 'hello'],
      chatEnv(box, { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }),
    );
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^aios: openai needs an API key: set OPENAI_API_KEY/);
    if (fs.existsSync(box.memory)) {
      const mem = openMemory(box.memory);
      expect(mem.counts().chat_sessions ?? 0).toBe(0);
      mem.close();
    }
  });

  it('an unknown --session is one line on stderr and exit 1', async () => {
    box = await makeChatBox('aios-chat-nosession-');
    fake = await startFakeOpenAI([{ text: 'never asked' }], { apiKey: PLANTED_KEY });
    const r = await aios(
      box,
      ['chat', 'hi', '--session', 'nope'],
      chatEnv(box, { OPENAI_BASE_URL: fake.url }),
    );
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toEqual([expect.stringMatching(/^aios: no chat session "nope"/)]);
    expect(fake.chatRequests).toHaveLength(0);
  });

  it('an unreachable server is one line on stderr and exit 1', async () => {
    box = await makeChatBox('aios-chat-down-');
    const r = await aios(box, ['chat', 'hello'], chatEnv(box, { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }));
    expect(r.code).toBe(1);
    const errLines = r.err.trim().split('\n');
    expect(errLines[0]).toMatch(/^aios: .*(reach|connect|refused)/i);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('never lets the planted key out: not in output, memory.db or any file, even when a tool reads it', async () => {
    box = await makeChatBox('aios-chat-key-');
    // A file in the managed tree holds the key (a careless .env): reading it is allowed.
    fs.writeFileSync(path.join(box.root, 'etc/leak.txt'), `the key is ${PLANTED_KEY}\n`);
    fake = await startFakeOpenAI(
      [
        { toolCalls: [{ name: 'read_file', args: { path: '/etc/leak.txt' } }] },
        (req) => ({ text: `The file says: ${lastToolContent(req.body)}` }),
      ],
      { apiKey: PLANTED_KEY },
    );
    const r = await aios(
      box,
      ['chat', 'show me the key', '--root', box.root],
      chatEnv(box, { OPENAI_BASE_URL: fake.url }),
    );
    expect(r.code).toBe(0);
    // The model did get it back (a provider holds its own key): the test is not vacuous.
    expect(lastToolContent(fake.chatRequests[1]?.body)).toContain(PLANTED_KEY);
    expect(r.out).toContain('The file says:');
    expect(r.out).toContain('the key is');
    expect(r.out + r.err).not.toContain(PLANTED_KEY);
    expect(filesContaining(box.dir, PLANTED_KEY, [box.root])).toEqual([]);
  });

  it('shell: piped /help, a question, /sessions and /exit', async () => {
    box = await makeChatBox('aios-shell-e2e-');
    fake = await startFakeOpenAI([{ text: 'It is a fake host.' }], { apiKey: PLANTED_KEY });
    const r = await aios(
      box,
      ['shell'],
      chatEnv(box, { OPENAI_BASE_URL: fake.url }),
      '/help\nwhat host is this?\n/sessions\n/mode\n/exit\nnever sent\n',
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('/sessions        recent conversations');
    expect(r.out).toContain('It is a fake host.\n');
    expect(r.out).toMatch(/^[0-9a-f-]{36} {2}\S+ {2}what host is this\?$/m);
    expect(r.out).toContain('security mode: normal');
    expect(fake.chatRequests).toHaveLength(1);
    expect(r.out + r.err).not.toContain(PLANTED_KEY);
  });

  it.skipIf(!HAS_SCRIPT)(
    'shell on a terminal: Ctrl-C cancels the answer in flight, not the shell; history is redacted',
    async () => {
      box = await makeChatBox('aios-shell-tty-');
      fake = await startFakeOpenAI([{ text: 'Too slow.', delayMs: 20_000 }, { text: 'Quick answer.' }], {
        apiKey: PLANTED_KEY,
      });
      const tty = aiosOnTty(box, ['shell'], chatEnv(box, { OPENAI_BASE_URL: fake.url }));
      expect(await cancelThenAskAgain(tty, fake, 'slow question password=hunter2secret')).toBe(0);
      expect(tty.output()).not.toContain('Too slow.');
      const history = fs.readFileSync(path.join(box.data, 'shell_history'), 'utf8');
      expect(history).toBe('slow question password=[REDACTED]\nfast question\n');
    },
  );

  it.skipIf(!HAS_SCRIPT)('on a terminal a confirm verdict is asked: y runs it', async () => {
    box = await makeChatBox('aios-chat-tty-yes-', { mode: 'safe' });
    fake = await startFakeOpenAI(
      [
        {
          text: 'Writing.',
          toolCalls: [{ name: 'write_file', args: { path: '/etc/motd', content: 'asked\n' } }],
        },
        { text: 'Done.' },
      ],
      { apiKey: PLANTED_KEY },
    );
    const tty = aiosOnTty(
      box,
      ['chat', 'set the motd', '--root', box.root],
      chatEnv(box, { OPENAI_BASE_URL: fake.url }),
    );
    await tty.until('question', () => tty.output().includes('Run it? [y/N]'));
    expect(tty.output()).toContain('rule:   mode:safe');
    tty.send('y\r');
    expect(await tty.end()).toBe(0);
    expect(fs.readFileSync(path.join(box.root, 'etc/motd'), 'utf8')).toBe('asked\n');
    expect(tty.output()).toContain('Done.');
  });

  it.skipIf(!HAS_SCRIPT)(
    'on a terminal Ctrl-C at a confirm question cancels the turn: nothing runs, exit 1',
    async () => {
      box = await makeChatBox('aios-chat-tty-cancel-', { mode: 'safe' });
      fake = await startFakeOpenAI(
        [
          { toolCalls: [{ name: 'write_file', args: { path: '/etc/motd', content: 'never\n' } }] },
          { text: 'x' },
        ],
        { apiKey: PLANTED_KEY },
      );
      const tty = aiosOnTty(
        box,
        ['chat', 'set the motd', '--root', box.root],
        chatEnv(box, { OPENAI_BASE_URL: fake.url }),
      );
      await tty.until('question', () => tty.output().includes('Run it? [y/N]'));
      tty.send('\u0003');
      expect(await tty.end()).toBe(1);
      expect(tty.output()).toContain('aios: turn cancelled');
      expect(fs.existsSync(path.join(box.root, 'etc/motd'))).toBe(false);
      expect(fake.chatRequests).toHaveLength(1);
    },
  );
});
