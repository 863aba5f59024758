// The built CLI against a loopback fake OpenAI server (OPENAI_BASE_URL): `aios diff` shows an
// unconverged intent with its check's output, `aios apply` snapshots and lets the agent converge it,
// gives up after max_attempts, and fails only the intent (one line) when there is no API key.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { aios, rootFile, type Sandbox, sandbox, writeSpec } from '../../e2e/helpers.js';
import { startFakeAnthropic } from '../../fixtures/fake-llm/fake-anthropic.js';
import { type FakeServer, startFakeOpenAI } from '../../fixtures/fake-llm/fake-openai.js';
import type { RecordedRequest } from '../../fixtures/fake-llm/fake-script.js';

const KEY = 'sk-test-intent-e2e-0123456789';
let box: Sandbox | undefined;
let server: FakeServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
  if (box) fs.rmSync(box.dir, { recursive: true, force: true });
  box = undefined;
});

/** The CLI as a child process, without blocking this process (the fake server lives here). */
function run(s: Sandbox, args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [aios, ...args],
      { env: { ...s.env, AIOS_NO_DAEMON: '1', ...env }, cwd: s.dir, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
  });
}

const SPEC = (maxAttempts = 3) => `
[[intent]]
name = "greeting"
goal = "the file /etc/greeting contains the word hello"
check = "grep hello etc/greeting"
max_attempts = ${maxAttempts}

[[file]]
path = "/etc/after-greeting"
content = "needs the greeting\\n"
requires = ["intent:greeting"]

[[file]]
path = "/etc/motd"
content = "independent\\n"
`;

const write = (content: string) => ({
  toolCalls: [{ name: 'write_file', args: { path: '/etc/greeting', content } }],
});
const lastIsTool = (req: RecordedRequest) => req.body?.messages?.at(-1)?.role === 'tool';
const withFake = (env: NodeJS.ProcessEnv = {}) => ({
  OPENAI_BASE_URL: server?.url,
  OPENAI_API_KEY: KEY,
  ...env,
});

describe('aios diff and apply with an [[intent]]', () => {
  it('diff shows the unconverged intent as pending with the check output, exit 2, no key needed', async () => {
    box = sandbox();
    writeSpec(box, 'intent.toml', SPEC());
    const r = await run(box, ['diff']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/~ change intent:greeting/);
    expect(r.stdout).toContain('check: exit 2 → exit 0');
    expect(r.stdout).toContain('| grep: etc/greeting: No such file or directory');
    const json = JSON.parse((await run(box, ['diff', '--json'])).stdout);
    const intent = json.resources.find((x: { id: string }) => x.id === 'intent:greeting');
    expect(intent.status).toBe('change');
    expect(intent.actions[0]).toMatchObject({ tool: 'intent', args: { name: 'greeting', max_attempts: 3 } });
  });

  it('apply converges an intent in two attempts after a snapshot, then diff is clean', async () => {
    server = await startFakeOpenAI([
      write('goodbye\n'),
      { text: 'wrote it' },
      write('hello\n'),
      { text: 'fixed it' },
    ]);
    box = sandbox();
    writeSpec(box, 'intent.toml', SPEC());
    const r = await run(box, ['apply', '--yes'], withFake());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readFileSync(rootFile(box, '/etc/greeting'), 'utf8')).toBe('hello\n');
    expect(fs.readFileSync(rootFile(box, '/etc/after-greeting'), 'utf8')).toBe('needs the greeting\n');
    // What the agent did is shown as it happens.
    expect(r.stdout).toContain(
      'intent:greeting attempt 1: write_file /etc/greeting → allow (mode:normal), ran',
    );
    expect(r.stdout).toContain('intent:greeting attempt 2: check exit 0');
    expect(r.stdout).toMatch(/Apply: 3 changed.*snapshot \S+/);
    expect(server.chatRequests).toHaveLength(4);
    expect(server.chatRequests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);

    // Recorded: a chat session titled intent:greeting with the agent's messages; the key nowhere.
    const db = new Database(path.join(box.data, 'memory.db'), { readonly: true });
    try {
      const session = db.prepare("SELECT id FROM chat_sessions WHERE title = 'intent:greeting'").get() as
        | { id: string }
        | undefined;
      expect(session).toBeDefined();
      const n = db
        .prepare('SELECT count(*) AS n FROM chat_messages WHERE session_id = ?')
        .get(session?.id) as {
        n: number;
      };
      expect(n.n).toBeGreaterThanOrEqual(8);
    } finally {
      db.close();
    }
    expect(fs.readFileSync(path.join(box.data, 'memory.db')).includes(KEY)).toBe(false);
    expect(r.stdout.includes(KEY)).toBe(false);

    const again = await run(box, ['diff']);
    expect(again.code).toBe(0);

    // `aios history` shows what the agent did.
    const hist = await run(box, ['history', '--kind', 'tool', '--json']);
    expect(hist.code).toBe(0);
    const tools = JSON.parse(hist.stdout) as { data: { tool: string; resource_id: string } }[];
    const mine = tools.filter((t) => t.data.resource_id === 'intent:greeting').map((t) => t.data.tool);
    // The agent's two writes, and the intent action itself (recorded with the run).
    expect(mine.sort()).toEqual(['intent', 'write_file', 'write_file']);
  });

  it('apply --json reports the snapshot taken before the agent acted', async () => {
    server = await startFakeOpenAI([write('hello\n'), { text: 'done' }]);
    box = sandbox();
    writeSpec(box, 'intent.toml', SPEC());
    const r = await run(box, ['apply', '--yes', '--json'], withFake());
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.snapshot).toMatch(/\S+/);
    const intent = report.resources.find((x: { id: string }) => x.id === 'intent:greeting');
    expect(intent.status).toBe('changed');
    expect(report.actions.find((a: { tool: string }) => a.tool === 'intent').summary).toBe(
      'intent:greeting: converged in attempt 1 of 3',
    );
    // The snapshot holds /etc as it was before the agent wrote: live, the greeting is new.
    const since = JSON.parse((await run(box, ['snapshot', 'diff', report.snapshot, '--json'])).stdout);
    expect(since.files).toContainEqual(expect.objectContaining({ path: '/etc/greeting', change: 'added' }));
  });

  it('gives up after max_attempts: the intent fails, its dependents are skipped, the rest converges', async () => {
    server = await startFakeOpenAI((req) => (lastIsTool(req) ? { text: 'tried' } : write('nope\n')));
    box = sandbox();
    writeSpec(box, 'intent.toml', SPEC(2));
    const r = await run(box, ['apply', '--yes', '--json'], withFake());
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const by = (id: string) => report.resources.find((x: { id: string }) => x.id === id);
    expect(by('intent:greeting').status).toBe('failed');
    expect(by('intent:greeting').error).toContain('gave up after 2 attempt(s): the check still exits 1');
    expect(by('file:/etc/after-greeting').status).toBe('skipped');
    expect(by('file:/etc/motd').status).toBe('changed');
    expect(server.chatRequests).toHaveLength(4);
  });

  it('without an API key only the intent fails, with the one-line provider error', async () => {
    box = sandbox();
    writeSpec(box, 'intent.toml', SPEC());
    const r = await run(box, ['apply', '--yes'], { OPENAI_API_KEY: '' });
    expect(r.code).toBe(1);
    expect(fs.readFileSync(rootFile(box, '/etc/motd'), 'utf8')).toBe('independent\n');
    expect(fs.existsSync(rootFile(box, '/etc/after-greeting'))).toBe(false);
    const failed = r.stdout.split('\n').findIndex((l) => /^failed\s+intent:greeting/.test(l));
    expect(failed).toBeGreaterThanOrEqual(0);
    const why = r.stdout.split('\n')[failed + 1] ?? '';
    expect(why).toMatch(/^ {4}intent failed: .*OPENAI_API_KEY/);
    expect(r.stdout).not.toMatch(/\n\s+at /);
  });

  it('a check denied by policy is reported blocked with its rule and never runs', async () => {
    box = sandbox();
    // A marker the check would write if it ever ran (outside the read-only sandbox too).
    const marker = path.join(box.dir, 'check-ran');
    writeSpec(
      box,
      'intent.toml',
      `[[intent]]\nname = "greeting"\ngoal = "hello"\ncheck = "touch ${marker}; grep hello etc/greeting"\n`,
    );
    fs.mkdirSync(path.join(box.dir, 'policies'));
    fs.writeFileSync(
      path.join(box.dir, 'policies', 'no-touch.toml'),
      '[[rule]]\nid = "no-touch"\ndescription = "touch is not for checks"\nverdict = "deny"\ncommand = ["touch"]\nmatch = ["touch /x"]\n',
    );
    const d = await run(box, ['diff']);
    expect(d.stdout).toContain(
      '? intent:greeting: check not checked (check blocked by rule user:no-touch (deny)',
    );
    const a = await run(box, ['apply', '--yes', '--json']);
    const report = JSON.parse(a.stdout);
    expect(report.resources[0]).toMatchObject({ id: 'intent:greeting', status: 'unchanged' });
    expect(report.snapshot).toBeUndefined();
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('converges through Anthropic too (ANTHROPIC_BASE_URL, default_provider from the environment)', async () => {
    server = await startFakeAnthropic([write('hello\n'), { text: 'done' }]);
    box = sandbox();
    writeSpec(box, 'intent.toml', SPEC());
    const r = await run(box, ['apply', '--yes', '--json'], {
      AIOS_LLM__DEFAULT_PROVIDER: 'anthropic',
      ANTHROPIC_BASE_URL: server.url,
      ANTHROPIC_API_KEY: 'sk-ant-test-intent-0123456789',
      OPENAI_API_KEY: '',
    });
    expect(r.code).toBe(0);
    expect(fs.readFileSync(rootFile(box, '/etc/greeting'), 'utf8')).toBe('hello\n');
    expect(server.chatRequests).toHaveLength(2);
    expect(server.chatRequests[0]?.path).toMatch(/\/messages$/);
    expect(JSON.stringify(server.chatRequests[0]?.body.system)).toContain('Goal: the file /etc/greeting');
  });
});
