// The built `aios chat` as independent testers run it: the example config's [llm] tables (which set
// `[llm.openai] base_url = "https://api.openai.com/v1"`) plus the provider's own variables pointing
// at a loopback fake. The variable must win (decision 100), each provider must be reachable this way,
// and provider failures must reach the terminal as one line, exit 1, no stack, no key.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../../fixtures/fake-llm/fake-anthropic.js';
import { type FakeServer, startFakeOpenAI } from '../../fixtures/fake-llm/fake-openai.js';
import { AIOS, isolatedEnv, makeSandbox, type Sandbox } from '../../runtime/daemon-harness.js';
import { closedPort, PLANTED_KEY } from './provider-harness.js';

const EXAMPLE_LLM = `
[llm]
default_provider = "openai"

[llm.openai]
base_url = "https://api.openai.com/v1"
model = "gpt-4"
timeout = "5s"

[llm.anthropic]
timeout = "5s"
`;

let box: Sandbox;
const servers: FakeServer[] = [];

beforeEach(async () => {
  box = await makeSandbox('aios-provider-env-', { tail: EXAMPLE_LLM });
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  fs.rmSync(box.dir, { recursive: true, force: true });
});

/** Async: the fake lives in this process, so the child must not block our event loop. */
function chat(text: string, env: NodeJS.ProcessEnv, extra: string[] = []) {
  return new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [AIOS, 'chat', text, ...extra, '--config', box.config], {
      env: {
        ...isolatedEnv(box.dir, { AIOS_NO_DAEMON: '1', NO_COLOR: '1', ...env }),
        // Never inherit the runner's real provider settings.
        OPENAI_API_KEY: env.OPENAI_API_KEY,
        OPENAI_BASE_URL: env.OPENAI_BASE_URL,
        ANTHROPIC_API_KEY: env.ANTHROPIC_API_KEY,
        ANTHROPIC_BASE_URL: env.ANTHROPIC_BASE_URL,
        OLLAMA_HOST: env.OLLAMA_HOST,
      },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      err += c;
    });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** The provider error is one `aios: ...` line (the chat command may add its session summary line). */
function expectOneLineFailure(r: { code: number | null; out: string; err: string }, key?: string) {
  expect(r.code).toBe(1);
  const errorLines = r.err.split('\n').filter((l) => l.startsWith('aios: '));
  expect(errorLines).toHaveLength(1);
  expect(r.err).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
  expect(r.err).not.toMatch(/Error:/);
  if (key) expect(r.out + r.err).not.toContain(key);
  return errorLines[0] ?? '';
}

describe('aios chat with the example config and the provider variables', () => {
  it('OPENAI_BASE_URL beats [llm.openai] base_url: the loopback server answers, with the configured model', async () => {
    const server = await startFakeOpenAI([{ status: 429 }, { text: 'hello from loopback' }], {
      apiKey: PLANTED_KEY.openai,
    });
    servers.push(server);
    const r = await chat('hi', { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: server.url });
    expect(r.err).not.toMatch(/^aios: /m);
    expect(r.code).toBe(0);
    expect(r.out).toContain('hello from loopback');
    expect(r.out).not.toContain(PLANTED_KEY.openai);
    expect(server.chatRequests).toHaveLength(2);
    expect(server.chatRequests[1]?.body.model).toBe('gpt-4');
  });

  it('ANTHROPIC_BASE_URL reaches the fake Anthropic server with --provider anthropic', async () => {
    const server = await startFakeAnthropic([{ text: 'hello from anthropic loopback' }]);
    servers.push(server);
    const r = await chat('hi', { ANTHROPIC_API_KEY: PLANTED_KEY.anthropic, ANTHROPIC_BASE_URL: server.url }, [
      '--provider',
      'anthropic',
      '--model',
      'claude-test',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('hello from anthropic loopback');
    expect(server.chatRequests[0]?.body.model).toBe('claude-test');
  });

  it('OLLAMA_HOST reaches an OpenAI-wire fake with --provider ollama and no key at all', async () => {
    const server = await startFakeOpenAI([{ text: 'hello from ollama loopback' }]);
    servers.push(server);
    const r = await chat('hi', { OLLAMA_HOST: server.host }, ['--provider', 'ollama']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('hello from ollama loopback');
  });

  it('without a key: one line naming OPENAI_API_KEY, exit 1', async () => {
    const r = await chat('hi', {});
    const line = expectOneLineFailure(r);
    expect(line).toContain('OPENAI_API_KEY');
    expect(line).toContain('[llm.openai] api_key');
  });

  it('an unreachable server: one line saying so, exit 1, no key', async () => {
    const port = await closedPort();
    const r = await chat('hi', {
      OPENAI_API_KEY: PLANTED_KEY.openai,
      OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
    });
    const line = expectOneLineFailure(r, PLANTED_KEY.openai);
    expect(line).toContain(
      `cannot reach openai at http://127.0.0.1:${port}/v1 (from OPENAI_BASE_URL): connection refused`,
    );
  });

  it('a rejected key: one line, exit 1, and the key (echoed by the server) never shown', async () => {
    const server = await startFakeOpenAI([{ text: 'never' }], { apiKey: 'the-right-key-0000000' });
    servers.push(server);
    const r = await chat('hi', { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: server.url });
    const line = expectOneLineFailure(r, PLANTED_KEY.openai);
    expect(line).toContain('openai rejected the API key (401');
  });

  it('a model the server does not have: one line naming it and the URL, exit 1', async () => {
    const server = await startFakeOpenAI([{ text: 'never' }], { models: ['gpt-4o'] });
    servers.push(server);
    const r = await chat('hi', { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: server.url });
    const line = expectOneLineFailure(r, PLANTED_KEY.openai);
    expect(line).toContain(`model "gpt-4" not found at ${server.url}`);
  });
});
