// Shared by the provider tests: start the fake server for a wire, build a provider pointed at it
// through the provider's own environment variables (as users and independent testers do), and small
// request builders. Nothing here reaches beyond 127.0.0.1.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CompletionRequest, Provider, ProviderName } from '../../../src/agents/agent-types.js';
import { createProvider } from '../../../src/agents/providers/create-provider.js';
import type { ProviderOptions } from '../../../src/agents/providers/provider-settings.js';
import { type Config, configSchema } from '../../../src/config/schema.js';
import { startFakeAnthropic } from '../../fixtures/fake-llm/fake-anthropic.js';
import {
  type FakeServer,
  type FakeServerOptions,
  startFakeOpenAI,
} from '../../fixtures/fake-llm/fake-openai.js';
import type { Script } from '../../fixtures/fake-llm/fake-script.js';

export const PROVIDERS: ProviderName[] = ['openai', 'anthropic', 'ollama'];

/** Planted keys: tests assert they never show up in any message. */
export const PLANTED_KEY: Record<ProviderName, string> = {
  openai: 'sk-planted-openai-0123456789abcdef',
  anthropic: 'sk-ant-planted-0123456789abcdef',
  ollama: 'planted-ollama-token-0123456789',
};

export const defaultConfig = (): Config => configSchema.parse({});

export async function startFake(name: ProviderName, script: Script, options: FakeServerOptions = {}) {
  return name === 'anthropic' ? startFakeAnthropic(script, options) : startFakeOpenAI(script, options);
}

/** The provider's own environment pointing at `server` with the planted key. */
export function envFor(name: ProviderName, server: { url: string; host: string }): NodeJS.ProcessEnv {
  if (name === 'openai') return { OPENAI_API_KEY: PLANTED_KEY.openai, OPENAI_BASE_URL: server.url };
  if (name === 'anthropic')
    return { ANTHROPIC_API_KEY: PLANTED_KEY.anthropic, ANTHROPIC_BASE_URL: server.url };
  return { OLLAMA_HOST: server.host };
}

export function providerFor(
  name: ProviderName,
  server: { url: string; host: string },
  opts: ProviderOptions = {},
  config: Config = defaultConfig(),
): Provider {
  return createProvider(config, { provider: name, env: envFor(name, server), ...opts });
}

export interface Started {
  server: FakeServer;
  provider: Provider;
}

export async function start(
  name: ProviderName,
  script: Script,
  opts: ProviderOptions = {},
  serverOptions: FakeServerOptions = {},
): Promise<Started> {
  const server = await startFake(name, script, serverOptions);
  return { server, provider: providerFor(name, server, opts) };
}

export function ask(text: string, more: Partial<CompletionRequest> = {}): CompletionRequest {
  return {
    system: 'You are a test.',
    messages: [{ role: 'user', content: text }],
    tools: [],
    maxTokens: 256,
    ...more,
  };
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The rejection of a promise (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

export const READ_FILE_TOOL = {
  name: 'read_file',
  description: 'Read a file',
  parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};
