// Scenarios 9 and 10 against the built `aios chat`: a planted API key (in the environment or in the
// config's api_key) reaches the fake's auth header and nothing else: not memory.db (nor -wal/-shm),
// not stdout/stderr, not --json, even when a tool output or the model's own text carries it. And
// the failures a person meets first: no key, no server, an unknown model, a rejected key: exit 1,
// one `aios:` line, no stack, quickly.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  aios,
  baseEnv,
  boxFor,
  CONFIG_KEY,
  ENV_KEY,
  fakeFor,
  filesContaining,
  PROVIDERS,
  type ProviderKind,
  providerEnv,
  type RunResult,
  rootFile,
  toolResults,
} from './scenario-harness.js';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** exit 1 and exactly one `aios:` line on stderr, no stack, no planted key. */
function oneLineFailure(r: RunResult): string {
  expect(r.code, `${r.out}\n${r.err}`).toBe(1);
  const lines = r.err.split('\n').filter((l) => l.startsWith('aios: '));
  expect(lines, r.err).toHaveLength(1);
  // Besides it at most the session footer of a turn that had started.
  const others = r.err
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('aios: ') && !l.startsWith('session '));
  expect(others, r.err).toEqual([]);
  expect(r.err).not.toMatch(/\n\s+at |Error:|node:internal/);
  for (const key of [ENV_KEY, CONFIG_KEY]) expect(r.out + r.err).not.toContain(key);
  return lines[0] ?? '';
}

const KEY_VAR: Record<ProviderKind, string> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  ollama: '',
};

/** The model's text (a model that somehow learnt the key) and a tool that prints the environment. */
function leakyScript(kind: ProviderKind, key: string) {
  return [
    {
      text: 'Checking the environment.',
      toolCalls: [
        {
          name: 'bash',
          args: { command: 'echo "seen:$OPENAI_API_KEY:$ANTHROPIC_API_KEY"; env | grep -i api_key' },
        },
        { name: 'read_file', args: { path: '/etc/creds.env' } },
      ],
    },
    (req: { body: unknown }) => {
      const results = toolResults(kind, req.body);
      return { text: `Your key is ${key}. Tool saw ${results[0]?.content.split('\n')[1] ?? ''}` };
    },
  ];
}

describe.concurrent.each(PROVIDERS)('9: a planted API key with %s never leaves the auth header', (kind) => {
  it('env key: not in memory.db/-wal, stdout, stderr or --json, though a file and the model carry it', async (t) => {
    const box = await boxFor(t, 'key-env');
    const fake = await fakeFor(
      t,
      kind,
      leakyScript(kind, ENV_KEY),
      kind === 'ollama' ? {} : { apiKey: ENV_KEY },
    );
    fs.writeFileSync(rootFile(box, '/etc/creds.env'), `OPENAI_API_KEY=${ENV_KEY}\n`);
    // ollama needs no key: the OpenAI key planted beside it must not be sent to it either.
    const env = baseEnv(box, {
      ...providerEnv(kind, fake),
      ...(kind === 'ollama' ? { OPENAI_API_KEY: ENV_KEY } : {}),
    });
    const r = await aios(box, ['chat', 'what is my api key?'], env);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Your key is');
    fake.push(...leakyScript(kind, ENV_KEY));
    const j = await aios(box, ['chat', 'again, as json', '--json', '--continue'], env);
    expect(j.code, j.err).toBe(0);
    expect(JSON.parse(j.out).text).toContain('Your key is');

    const auth = fake.chatRequests.map((q) =>
      String(q.headers.authorization ?? q.headers['x-api-key'] ?? ''),
    );
    if (kind === 'ollama') for (const a of auth) expect(a).not.toContain(ENV_KEY);
    else for (const a of auth) expect(a).toContain(ENV_KEY);
    // The bash tool's commands never got the key either.
    const bashResult = toolResults(kind, fake.chatRequests[1]?.body)[0]?.content ?? '';
    expect(bashResult).toContain('seen::');
    for (const x of [r.out, r.err, j.out, j.err]) expect(x).not.toContain(ENV_KEY);
    // Only the file planted in the root holds it; memory.db, its WAL and everything else do not.
    expect(filesContaining(box.dir, ENV_KEY)).toEqual([rootFile(box, '/etc/creds.env')]);
    expect(fs.existsSync(box.memory)).toBe(true);
  });

  it('config api_key: used for the request, never stored or printed', async (t) => {
    const table = kind === 'openai' ? '' : `\n[llm.${kind}]\napi_key = "${CONFIG_KEY}"\n`;
    const box = await boxFor(t, 'key-cfg', {
      ...(kind === 'openai' ? { openaiLines: `api_key = "${CONFIG_KEY}"` } : {}),
      tail: table,
    });
    const fake = await fakeFor(t, kind, leakyScript(kind, CONFIG_KEY), { apiKey: CONFIG_KEY });
    fs.writeFileSync(rootFile(box, '/etc/creds.env'), 'nothing here\n');
    const env = baseEnv(box, providerEnv(kind, fake));
    delete env.OPENAI_API_KEY;
    delete env.ANTHROPIC_API_KEY;
    const r = await aios(box, ['chat', 'what is my api key?', '--json'], env);
    expect(r.code, r.err).toBe(0);
    const auth = String(
      fake.chatRequests[0]?.headers.authorization ?? fake.chatRequests[0]?.headers['x-api-key'],
    );
    expect(auth).toContain(CONFIG_KEY);
    expect(JSON.parse(r.out).text).toContain('Your key is [REDACTED]');
    expect(r.out + r.err).not.toContain(CONFIG_KEY);
    expect(filesContaining(box.dir, CONFIG_KEY)).toEqual([box.config]);
  });
});

describe.concurrent.each(PROVIDERS)('10: failures with %s are one line, exit 1', (kind) => {
  it.skipIf(kind === 'ollama')('a missing key names the variable, before any request', async (t) => {
    const box = await boxFor(t, 'nokey');
    const fake = await fakeFor(t, kind, [{ text: 'never' }]);
    const env = baseEnv(box, providerEnv(kind, fake));
    delete env[KEY_VAR[kind]];
    // anthropic chosen by the flag this time (the other tests use AIOS_LLM__DEFAULT_PROVIDER).
    if (kind === 'anthropic') delete env.AIOS_LLM__DEFAULT_PROVIDER;
    const r = await aios(
      box,
      ['chat', 'hello', ...(kind === 'anthropic' ? ['--provider', 'anthropic'] : [])],
      env,
    );
    const line = oneLineFailure(r);
    expect(line).toContain(KEY_VAR[kind]);
    expect(fake.requests).toHaveLength(0);
  });

  it('an unreachable server fails within a few seconds', async (t) => {
    const box = await boxFor(t, 'unreach');
    const port = await closedPort();
    const fake = await fakeFor(t, kind, [{ text: 'never' }]);
    const env = baseEnv(box, providerEnv(kind, fake));
    if (kind === 'openai') env.OPENAI_BASE_URL = `http://127.0.0.1:${port}/v1`;
    if (kind === 'anthropic') env.ANTHROPIC_BASE_URL = `http://127.0.0.1:${port}`;
    if (kind === 'ollama') env.OLLAMA_HOST = `127.0.0.1:${port}`;
    const r = await aios(box, ['chat', 'hello'], env);
    const line = oneLineFailure(r);
    expect(line).toContain(String(port));
    expect(r.ms).toBeLessThan(8_000);
  });

  it('an unknown model (404) is one line naming it', async (t) => {
    const box = await boxFor(t, 'nomodel');
    const fake = await fakeFor(t, kind, [{ text: 'never' }], { models: ['known-model'] });
    const env = baseEnv(box, providerEnv(kind, fake));
    const r = await aios(box, ['chat', 'hello', '--model', 'no-such-model-x'], env);
    const line = oneLineFailure(r);
    expect(line).toContain('no-such-model-x');
  });

  it.skipIf(kind === 'ollama')('a rejected key (401 echoing it) is one line without the key', async (t) => {
    const box = await boxFor(t, 'badkey');
    const fake = await fakeFor(t, kind, [{ text: 'never' }], { apiKey: 'sk-the-right-one-000000000' });
    const r = await aios(box, ['chat', 'hello'], baseEnv(box, providerEnv(kind, fake)));
    const line = oneLineFailure(r);
    expect(line).toMatch(/401|key|auth/i);
    expect(filesContaining(path.dirname(box.memory), ENV_KEY)).toEqual([]);
  });
});
