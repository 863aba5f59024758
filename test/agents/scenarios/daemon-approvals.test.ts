// Scenario 3 (and 9's daemon half) against a built `aios-runtime`: one daemon that knows all three
// providers through their variables, `aios chat --provider P` delegated to it; a confirm verdict
// (a write to /etc/sudoers.d, rule builtin:auth-files-tool-write) waits in `aios approvals`,
// `aios approve ID` runs it, `aios deny ID` never does. The planted key stays out of the daemon's
// log and its memory.db.

import fs from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aios,
  assistantCalls,
  type Box,
  baseEnv,
  type Daemon,
  ENV_KEY,
  type FakeServer,
  filesContaining,
  lastResult,
  makeBox,
  PROVIDERS,
  type ProviderKind,
  rootFile,
  startDaemon,
  startFake,
  userTexts,
} from './scenario-harness.js';

let box: Box;
let daemon: Daemon | undefined;
let env: NodeJS.ProcessEnv;
const fakes = {} as Record<ProviderKind, FakeServer>;

beforeAll(async () => {
  box = await makeBox('daemon');
  fs.mkdirSync(rootFile(box, '/etc/sudoers.d'));
  for (const kind of PROVIDERS)
    fakes[kind] = await startFake(kind, [], kind === 'ollama' ? {} : { apiKey: ENV_KEY });
  env = baseEnv(box, {
    OPENAI_API_KEY: ENV_KEY,
    OPENAI_BASE_URL: fakes.openai.url,
    ANTHROPIC_API_KEY: ENV_KEY,
    ANTHROPIC_BASE_URL: fakes.anthropic.url,
    OLLAMA_HOST: fakes.ollama.host,
  });
  daemon = await startDaemon(box, env);
}, 60_000);

afterAll(async () => {
  await daemon?.kill();
  await Promise.all(Object.values(fakes).map((f) => f.close()));
  fs.rmSync(box.dir, { recursive: true, force: true });
});

interface Held {
  id: string;
  action: { tool: string; args: { path?: string }; resource?: string };
}

async function held(): Promise<Held[]> {
  const r = await aios(box, ['approvals', '--json'], env);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Held[];
}

describe.each(PROVIDERS)('3: confirms through the daemon with %s', (kind) => {
  it('wait in aios approvals; approve runs one, deny never runs the other', async () => {
    const a = `/etc/sudoers.d/${kind}-approved`;
    const d = `/etc/sudoers.d/${kind}-denied`;
    fakes[kind].push(
      {
        text: 'Adding both entries.',
        toolCalls: [
          { name: 'write_file', args: { path: a, content: 'deploy ALL=(ALL) NOPASSWD: /bin/true\n' } },
          { name: 'write_file', args: { path: d, content: 'evil ALL=(ALL) NOPASSWD: ALL\n' } },
        ],
      },
      (req) => ({
        text: `Waiting for approval (${lastResult(kind, req).includes('queued') ? 'queued' : '?'}).`,
      }),
    );
    const r = await aios(box, ['chat', 'add the sudoers entries', '--provider', kind], env);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`→ write_file ${a}  [confirm · builtin:auth-files-tool-write]`);
    expect(r.out).toMatch(/✗ queued for approval \S+/);
    expect(r.out).toContain('Waiting for approval (queued).');
    expect(fs.existsSync(rootFile(box, a))).toBe(false);
    expect(fs.existsSync(rootFile(box, d))).toBe(false);
    // The daemon ran the turn: the provider's fake saw exactly this conversation.
    expect(fakes[kind].chatRequests).toHaveLength(2);

    const mine = (await held()).filter((h) => h.action.args.path?.startsWith(`/etc/sudoers.d/${kind}-`));
    expect(mine.map((h) => h.action.args.path).sort()).toEqual([a, d].sort());
    const human = await aios(box, ['approvals'], env);
    expect(human.out).toContain('builtin:auth-files-tool-write');
    const idOf = (p: string) => mine.find((h) => h.action.args.path === p)?.id ?? '';

    const yes = await aios(box, ['approve', idOf(a)], env);
    expect(yes.code, yes.err).toBe(0);
    expect(fs.readFileSync(rootFile(box, a), 'utf8')).toBe('deploy ALL=(ALL) NOPASSWD: /bin/true\n');
    const no = await aios(box, ['deny', idOf(d)], env);
    expect(no.code, no.err).toBe(0);
    const left = (await held()).filter((h) => h.action.args.path?.startsWith(`/etc/sudoers.d/${kind}-`));
    expect(left).toEqual([]);
    expect(fs.existsSync(rootFile(box, d))).toBe(false);
    // A denied approval cannot be approved afterwards.
    const late = await aios(box, ['approve', idOf(d)], env);
    expect(late.code).toBe(1);
    expect(fs.existsSync(rootFile(box, d))).toBe(false);
  });
});

describe('11: --json and --continue through the daemon', () => {
  it('prints the same result object and resumes with the earlier messages sent again', async () => {
    fakes.anthropic.push(
      { toolCalls: [{ name: 'list_dir', args: { path: '/etc' } }] },
      { text: 'There is a sudoers.d.' },
      { text: 'Still there.' },
    );
    const r = await aios(box, ['chat', 'what is in /etc?', '--json', '--provider', 'anthropic'], env);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({
      text: 'There is a sudoers.d.',
      finish: 'done',
      tool_calls: [{ tool: 'list_dir', verdict: 'allow', rule: 'mode:normal', ok: true }],
    });
    expect(j.usage.inputTokens).toBeGreaterThan(0);
    const c = await aios(
      box,
      ['chat', 'and now?', '--session', j.session_id, '--provider', 'anthropic'],
      env,
    );
    expect(c.code, c.err).toBe(0);
    expect(c.out).toContain('Still there.');
    const body = fakes.anthropic.chatRequests.at(-1)?.body;
    expect(userTexts('anthropic', body)).toEqual(['what is in /etc?', 'and now?']);
    expect(assistantCalls('anthropic', body).map((x) => x.name)).toEqual(['list_dir']);
    // Both turns ran in the daemon (it records where a turn came from).
    const db = new Database(box.memory, { readonly: true });
    try {
      const rows = db
        .prepare("SELECT data FROM chat_messages WHERE session_id = ? AND role = 'user' ORDER BY id")
        .all(j.session_id) as { data: string }[];
      expect(rows.map((x) => JSON.parse(x.data).source)).toEqual(['daemon:cli', 'daemon:cli']);
    } finally {
      db.close();
    }
  });
});

describe('9: the daemon keeps the planted key to itself', () => {
  it('is in no daemon log line and no file of its data or memory', () => {
    expect(daemon?.log()).toContain('listening on');
    expect(daemon?.log()).not.toContain(ENV_KEY);
    // Scanned while the daemon still holds the database open: its WAL is among the files.
    expect(fs.existsSync(`${box.memory}-wal`)).toBe(true);
    expect(filesContaining(box.dir, ENV_KEY)).toEqual([]);
  });
});
