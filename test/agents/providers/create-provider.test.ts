// createProvider / createEmbedder from the config, flags and environment: which endpoint, model and
// key win (decision 100), one-line errors for a missing key or an unknown provider, and the shipped
// example config (`[llm.openai] base_url = "https://api.openai.com/v1"`) losing to OPENAI_BASE_URL so
// a loopback server is hit, exactly as independent testers run `aios chat`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderName } from '../../../src/agents/agent-types.js';
import { createEmbedder, createProvider } from '../../../src/agents/providers/create-provider.js';
import { ProviderError } from '../../../src/agents/providers/provider-error.js';
import {
  DEFAULT_MODELS,
  ollamaHostToBaseURL,
  resolveProviderSettings,
} from '../../../src/agents/providers/provider-settings.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { type Config, configSchema } from '../../../src/config/schema.js';
import { startFakeAnthropic } from '../../fixtures/fake-llm/fake-anthropic.js';
import { type FakeServer, startFakeOpenAI } from '../../fixtures/fake-llm/fake-openai.js';
import { ask, PLANTED_KEY, rejection } from './provider-harness.js';

// The [llm] part of the shared example config (/work/shared/examples/config.toml), as written there.
const EXAMPLE_LLM = `[llm]
default_provider = "openai"

[llm.openai]
base_url = "https://api.openai.com/v1"
model = "gpt-4"
`;
const SHARED_EXAMPLE = '/work/shared/examples/config.toml';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'aios-providers-'));
}

/** Loads a config file through the real loader with an isolated environment plus `env`. */
async function load(toml: string, env: NodeJS.ProcessEnv = {}): Promise<Config> {
  const dir = tempDir();
  const file = path.join(dir, 'config.toml');
  fs.writeFileSync(file, toml);
  const loaded = await loadConfig({
    configPath: file,
    env: { HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'xdg'), ...env },
    systemConfigPath: path.join(dir, 'none.toml'),
    cwd: dir,
  });
  return loaded.config;
}

const config = (llm: Record<string, unknown> = {}): Config => configSchema.parse({ llm });

function errorOf(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe('createProvider: keys', () => {
  it.each([
    ['openai', 'OPENAI_API_KEY', '[llm.openai] api_key'],
    ['anthropic', 'ANTHROPIC_API_KEY', '[llm.anthropic] api_key'],
  ] as const)('without a key, %s fails in one line naming %s and the config key', (name, envVar, key) => {
    const error = errorOf(() => createProvider(config(), { provider: name, env: {} }));
    expect(error.kind).toBe('missing_key');
    expect(error.message).toBe(
      `${name} needs an API key: set ${envVar} or ${key} in the config (or use --provider ollama)`,
    );
  });

  it('treats a blank key variable as unset', () => {
    const error = errorOf(() =>
      createProvider(config(), { provider: 'openai', env: { OPENAI_API_KEY: '  ' } }),
    );
    expect(error.kind).toBe('missing_key');
  });

  it('takes the key from [llm.<provider>] api_key when the variable is unset', async () => {
    const server = await startFakeOpenAI([{ text: 'ok' }]);
    servers.push(server);
    const cfg = config({ openai: { api_key: PLANTED_KEY.openai, base_url: server.url } });
    await createProvider(cfg, { env: {} }).complete(ask('hi'));
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${PLANTED_KEY.openai}`);
  });

  it('lets OPENAI_API_KEY beat the config api_key', () => {
    const cfg = config({ openai: { api_key: 'sk-from-config-000000' } });
    expect(resolveProviderSettings(cfg, { env: { OPENAI_API_KEY: 'sk-from-env-000000' } }).apiKey).toBe(
      'sk-from-env-000000',
    );
  });

  it('builds ollama without any key, and never sends OPENAI_API_KEY to it', async () => {
    const server = await startFakeOpenAI([{ text: 'local' }]);
    servers.push(server);
    const provider = createProvider(config({ ollama: { base_url: server.url } }), {
      provider: 'ollama',
      env: { OPENAI_API_KEY: PLANTED_KEY.openai },
    });
    expect((await provider.complete(ask('hi'))).text).toBe('local');
    expect(JSON.stringify(server.requests[0]?.headers)).not.toContain(PLANTED_KEY.openai);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer ollama');
  });

  it('sends OPENAI_ORG_ID / OPENAI_PROJECT_ID to openai, never to ollama', async () => {
    const server = await startFakeOpenAI([{ text: 'a' }, { text: 'b' }]);
    servers.push(server);
    const env = {
      OPENAI_API_KEY: 'k-000000000',
      OPENAI_ORG_ID: 'org-1',
      OPENAI_PROJECT_ID: 'proj-1',
      OLLAMA_HOST: server.host,
    };
    await createProvider(config(), { env: { ...env, OPENAI_BASE_URL: server.url } }).complete(ask('x'));
    await createProvider(config(), { provider: 'ollama', env }).complete(ask('x'));
    const [toOpenAI, toOllama] = server.requests.map((r) => r.headers);
    expect(toOpenAI).toMatchObject({ 'openai-organization': 'org-1', 'openai-project': 'proj-1' });
    expect(toOllama?.['openai-organization']).toBeUndefined();
    expect(toOllama?.['openai-project']).toBeUndefined();
  });

  it('fails in one line for an unknown provider', () => {
    const error = errorOf(() => createProvider(config(), { provider: 'gemini' as ProviderName, env: {} }));
    expect(error.kind).toBe('unknown_provider');
    expect(error.message).toBe(
      'unknown provider "gemini": use one of openai, anthropic, ollama ([llm] default_provider or --provider)',
    );
  });

  it('fails in one line for a base URL that is not a URL', () => {
    const error = errorOf(() =>
      createProvider(config(), { env: { OPENAI_API_KEY: 'sk-x-00000000', OPENAI_BASE_URL: 'not a url' } }),
    );
    expect(error.message).toBe('openai: base URL "not a url" (from OPENAI_BASE_URL) is not a URL');
  });
});

describe('createProvider: provider and model', () => {
  it('uses [llm] default_provider unless --provider says otherwise', () => {
    const env = { ANTHROPIC_API_KEY: 'k-000000000', OPENAI_API_KEY: 'k-000000000' };
    expect(createProvider(config({ default_provider: 'anthropic' }), { env }).name).toBe('anthropic');
    expect(createProvider(config({ default_provider: 'anthropic' }), { env, provider: 'openai' }).name).toBe(
      'openai',
    );
  });

  it.each(['openai', 'anthropic', 'ollama'] as const)(
    '%s: --model beats [llm.%s] model, which beats the default',
    (name) => {
      const env = { ANTHROPIC_API_KEY: 'k-000000000', OPENAI_API_KEY: 'k-000000000' };
      expect(createProvider(config(), { provider: name, env }).model).toBe(DEFAULT_MODELS[name]);
      const cfg = config({ [name]: { model: 'configured' } });
      expect(createProvider(cfg, { provider: name, env }).model).toBe('configured');
      expect(createProvider(cfg, { provider: name, env, model: 'flagged' }).model).toBe('flagged');
    },
  );

  it('default models are the documented ones', () => {
    expect(DEFAULT_MODELS).toEqual({
      openai: 'gpt-4o-mini',
      anthropic: 'claude-sonnet-4-6',
      ollama: 'llama3.1',
    });
  });
});

describe('createProvider: base URLs (the provider variable beats the config file)', () => {
  it('the example config with OPENAI_BASE_URL hits the loopback server, not api.openai.com', async () => {
    const server = await startFakeOpenAI([{ text: 'from loopback' }]);
    servers.push(server);
    const cfg = await load(EXAMPLE_LLM);
    expect(cfg.llm.openai.base_url).toBe('https://api.openai.com/v1');
    const provider = createProvider(cfg, {
      env: { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: server.url },
    });
    const result = await provider.complete(ask('hi', { onText: () => {} }));
    expect(result.text).toBe('from loopback');
    expect(server.chatRequests[0]?.body.model).toBe('gpt-4');
  });

  it.skipIf(!fs.existsSync(SHARED_EXAMPLE))(
    'the shared example file itself, with OPENAI_BASE_URL, hits the loopback server',
    async () => {
      const server = await startFakeOpenAI([{ text: 'shared example' }]);
      servers.push(server);
      const cfg = await load(fs.readFileSync(SHARED_EXAMPLE, 'utf8'));
      const provider = createProvider(cfg, {
        env: { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: server.url },
      });
      expect((await provider.complete(ask('hi'))).text).toBe('shared example');
    },
  );

  it('without OPENAI_BASE_URL the config base_url is used', () => {
    const cfg = config({ openai: { base_url: 'http://10.0.0.5:8000/v1' } });
    const s = resolveProviderSettings(cfg, { env: { OPENAI_API_KEY: 'k-000000000' } });
    expect(s).toMatchObject({ baseURL: 'http://10.0.0.5:8000/v1', baseURLSource: '[llm.openai] base_url' });
  });

  it('without either, the SDK default', () => {
    const s = resolveProviderSettings(config(), { env: { OPENAI_API_KEY: 'k-000000000' } });
    expect(s).toMatchObject({ baseURL: 'https://api.openai.com/v1', baseURLSource: 'default' });
  });

  it('AIOS_LLM__OPENAI__BASE_URL reaches the provider through the config loader', async () => {
    const server = await startFakeOpenAI([{ text: 'via AIOS_ env' }]);
    servers.push(server);
    const cfg = await load(EXAMPLE_LLM, { AIOS_LLM__OPENAI__BASE_URL: server.url });
    const provider = createProvider(cfg, { env: { OPENAI_API_KEY: PLANTED_KEY.openai } });
    expect((await provider.complete(ask('hi'))).text).toBe('via AIOS_ env');
  });

  it('ANTHROPIC_BASE_URL beats [llm.anthropic] base_url', async () => {
    const server = await startFakeAnthropic([{ text: 'anthropic loopback' }]);
    servers.push(server);
    const cfg = await load(
      `[llm]\ndefault_provider = "anthropic"\n[llm.anthropic]\nbase_url = "https://api.anthropic.com"\nmodel = "claude-x"\n`,
    );
    const provider = createProvider(cfg, {
      env: { ANTHROPIC_API_KEY: PLANTED_KEY.anthropic, ANTHROPIC_BASE_URL: server.url },
    });
    expect((await provider.complete(ask('hi', { onText: () => {} }))).text).toBe('anthropic loopback');
    expect(server.chatRequests[0]?.path).toBe('/v1/messages');
    expect(server.chatRequests[0]?.body.model).toBe('claude-x');
  });

  it('OLLAMA_HOST beats [llm.ollama] base_url, in any of its forms', async () => {
    const server = await startFakeOpenAI([{ text: 'one' }, { text: 'two' }]);
    servers.push(server);
    const cfg = config({ ollama: { base_url: 'http://192.0.2.1:11434/v1' } });
    for (const host of [server.host, server.origin]) {
      const provider = createProvider(cfg, { provider: 'ollama', env: { OLLAMA_HOST: host } });
      await provider.complete(ask('hi'));
    }
    expect(server.chatRequests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
  });

  it.each([
    ['127.0.0.1:9999', 'http://127.0.0.1:9999/v1'],
    ['gpu-box', 'http://gpu-box:11434/v1'],
    ['http://gpu-box:8080', 'http://gpu-box:8080/v1'],
    ['https://ollama.example.com', 'https://ollama.example.com:11434/v1'],
    ['http://gpu-box:8080/v1/', 'http://gpu-box:8080/v1'],
    ['0.0.0.0', 'http://0.0.0.0:11434/v1'],
  ])('OLLAMA_HOST=%s means %s', (host, url) => {
    expect(ollamaHostToBaseURL(host)).toBe(url);
  });

  it('the ollama default base URL is http://127.0.0.1:11434/v1', () => {
    expect(resolveProviderSettings(config(), { provider: 'ollama', env: {} }).baseURL).toBe(
      'http://127.0.0.1:11434/v1',
    );
  });

  it('a blank OPENAI_BASE_URL counts as unset', () => {
    const s = resolveProviderSettings(config({ openai: { base_url: 'http://cfg:1/v1' } }), {
      env: { OPENAI_API_KEY: 'k-000000000', OPENAI_BASE_URL: '' },
    });
    expect(s.baseURL).toBe('http://cfg:1/v1');
  });

  it('takes the timeout from [llm.<provider>] timeout', () => {
    const s = resolveProviderSettings(config({ openai: { timeout: '1m30s' } }), {
      env: { OPENAI_API_KEY: 'k-000000000' },
    });
    expect(s.timeoutMs).toBe(90_000);
    expect(resolveProviderSettings(config(), { provider: 'ollama', env: {} }).timeoutMs).toBe(120_000);
  });
});

describe('a planted key never appears in an error message', () => {
  it.each(['openai', 'anthropic'] as const)(
    '%s key from the config file, rejected by a server that echoes it',
    async (name) => {
      const server =
        name === 'anthropic'
          ? await startFakeAnthropic([{ text: 'x' }], { apiKey: 'right-key-00000000' })
          : await startFakeOpenAI([{ text: 'x' }], { apiKey: 'right-key-00000000' });
      servers.push(server);
      const cfg = config({ [name]: { api_key: PLANTED_KEY[name], base_url: server.url } });
      const error = await rejection(createProvider(cfg, { provider: name, env: {} }).complete(ask('hi')));
      expect(error).toBeInstanceOf(ProviderError);
      expect(server.requests[0]?.body).toBeDefined();
      expect(`${error.message} ${error.stack ?? ''} ${JSON.stringify(error)}`).not.toContain(
        PLANTED_KEY[name],
      );
      expect(error.message).not.toContain('planted');
    },
  );

  it('a key that a server puts in a 500 message is redacted too', async () => {
    const server = await startFakeOpenAI([
      {
        status: 400,
        errorMessage: `bad request from key ${PLANTED_KEY.openai} (Bearer ${PLANTED_KEY.openai})`,
      },
    ]);
    servers.push(server);
    const provider = createProvider(config(), {
      env: { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: server.url },
    });
    const error = await rejection(provider.complete(ask('hi')));
    expect(error.message).toMatch(
      /^openai rejected the request \(400 from http:\/\/127\.0\.0\.1:\d+\/v1\): bad request from key \*\*\*\*/,
    );
    expect(error.message).not.toContain(PLANTED_KEY.openai);
  });

  it('a base URL with credentials in it is shown without them', async () => {
    const error = await rejection(
      createProvider(config(), {
        env: {
          OPENAI_API_KEY: PLANTED_KEY.openai,
          OPENAI_BASE_URL: 'http://user:hunter2pass@127.0.0.1:1/v1',
        },
        maxRetries: 0,
      }).complete(ask('hi')),
    );
    expect(error.message).toMatch(
      /^cannot reach openai at http:\/\/127\.0\.0\.1:1\/v1 \(from OPENAI_BASE_URL\): /,
    );
    expect(error.message).not.toContain('hunter2pass');
  });
});

describe('createEmbedder', () => {
  it('is undefined when [llm] embedding_model is unset, whatever the keys', () => {
    expect(createEmbedder(config(), { env: { OPENAI_API_KEY: 'k-000000000' } })).toBeUndefined();
  });

  it('fails in one line when the embedding model is set but the openai key is missing', () => {
    const error = errorOf(() =>
      createEmbedder(config({ embedding_model: 'text-embedding-3-small' }), { env: {} }),
    );
    expect(error.kind).toBe('missing_key');
  });

  it('embeds through openai when the default provider is anthropic and an OpenAI key exists', () => {
    const cfg = config({ default_provider: 'anthropic', embedding_model: 'text-embedding-3-small' });
    expect(createEmbedder(cfg, { env: { ANTHROPIC_API_KEY: 'k-000000000' } })).toBeUndefined();
    const embedder = createEmbedder(cfg, {
      env: { ANTHROPIC_API_KEY: 'k-000000000', OPENAI_API_KEY: 'k-000000000' },
    });
    expect(embedder?.model).toBe('text-embedding-3-small');
  });
});
