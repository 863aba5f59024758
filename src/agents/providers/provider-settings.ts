// Which endpoint, model, key and limits a provider uses, from the config, the flags and the
// environment (decision 100). Pure: reads only the `env` it is given, never the network, and keeps the
// key out of every message it builds.
import { parseDuration } from '../../config/duration.js';
import type { Config } from '../../config/schema.js';
import type { ProviderName } from '../agent-types.js';
import { ProviderError } from './provider-error.js';

export const PROVIDER_NAMES: readonly ProviderName[] = ['openai', 'anthropic', 'ollama'];

/** Used when neither --model nor [llm.<provider>] model names one (decision 100). */
export const DEFAULT_MODELS: Record<ProviderName, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-sonnet-4-6',
  ollama: 'llama3.1',
};

/** The SDKs' own defaults (OpenAI's includes /v1, Anthropic's does not: the SDK adds /v1/messages). */
export const DEFAULT_BASE_URLS: Record<ProviderName, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  ollama: 'http://127.0.0.1:11434/v1',
};

/** The provider's own variables, which beat the config file (decision 100). */
export const KEY_ENV: Partial<Record<ProviderName, string>> = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
};
export const BASE_URL_ENV: Record<ProviderName, string> = {
  openai: 'OPENAI_BASE_URL',
  anthropic: 'ANTHROPIC_BASE_URL',
  ollama: 'OLLAMA_HOST',
};

/** Ollama accepts any key; the OpenAI SDK insists on a non-empty string. */
export const OLLAMA_PLACEHOLDER_KEY = 'ollama';
export const DEFAULT_MAX_RETRIES = 2;

export interface ProviderSettings {
  name: ProviderName;
  model: string;
  /** Exactly what the SDK is given as baseURL. */
  baseURL: string;
  /** Where baseURL came from, for messages: "OPENAI_BASE_URL", "[llm.openai] base_url", "default". */
  baseURLSource: string;
  apiKey: string;
  timeoutMs: number;
  maxRetries: number;
  /** openai only: OPENAI_ORG_ID / OPENAI_PROJECT_ID, sent as the SDK's headers. */
  organization?: string;
  project?: string;
}

export interface ProviderOptions {
  provider?: ProviderName;
  model?: string;
  env?: NodeJS.ProcessEnv;
  /** Retries on 429/5xx/connection errors (default 2, the SDKs' own). */
  maxRetries?: number;
  /** Overrides [llm.<provider>] timeout. */
  timeoutMs?: number;
}

/** An env value, or undefined when unset or blank (an empty OPENAI_BASE_URL means "not set", as in the SDKs). */
export function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** OLLAMA_HOST as ollama reads it ("host", "host:port", or a URL) → the OpenAI-compatible base URL. */
export function ollamaHostToBaseURL(host: string): string {
  let text = host.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text}`;
  const url = new URL(text);
  if (url.port === '' && !/:\d+$/.test(url.host)) url.port = '11434';
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/v1') ? path : `${path}/v1`;
  return url.toString().replace(/\/+$/, '');
}

export function checkProviderName(name: string): ProviderName {
  if ((PROVIDER_NAMES as readonly string[]).includes(name)) return name as ProviderName;
  throw new ProviderError(
    `unknown provider "${name}": use one of ${PROVIDER_NAMES.join(', ')} ([llm] default_provider or --provider)`,
    { provider: name, kind: 'unknown_provider' },
  );
}

function resolveBaseURL(name: ProviderName, config: Config, env: NodeJS.ProcessEnv) {
  const fromEnv = envValue(env, BASE_URL_ENV[name]);
  if (fromEnv !== undefined) {
    return {
      baseURL: name === 'ollama' ? ollamaHostToBaseURL(fromEnv) : fromEnv,
      source: BASE_URL_ENV[name],
    };
  }
  const fromConfig = config.llm[name].base_url?.trim();
  if (fromConfig) return { baseURL: fromConfig, source: `[llm.${name}] base_url` };
  return { baseURL: DEFAULT_BASE_URLS[name], source: 'default' };
}

function resolveKey(name: ProviderName, config: Config, env: NodeJS.ProcessEnv): string {
  const keyEnv = KEY_ENV[name];
  const fromEnv = keyEnv ? envValue(env, keyEnv) : undefined;
  const fromConfig = config.llm[name].api_key?.trim() || undefined;
  const key = fromEnv ?? fromConfig;
  if (key !== undefined) return key;
  if (name === 'ollama') return OLLAMA_PLACEHOLDER_KEY;
  throw new ProviderError(
    `${name} needs an API key: set ${keyEnv} or [llm.${name}] api_key in the config (or use --provider ollama)`,
    { provider: name, kind: 'missing_key' },
  );
}

function openAIAccount(env: NodeJS.ProcessEnv): { organization?: string; project?: string } {
  const organization = envValue(env, 'OPENAI_ORG_ID');
  const project = envValue(env, 'OPENAI_PROJECT_ID');
  return { ...(organization ? { organization } : {}), ...(project ? { project } : {}) };
}

/** Everything a provider needs, checked; throws ProviderError (one line) for an unknown provider or no key. */
export function resolveProviderSettings(config: Config, opts: ProviderOptions = {}): ProviderSettings {
  const env = opts.env ?? process.env;
  const name = checkProviderName(opts.provider ?? config.llm.default_provider);
  const section = config.llm[name];
  const { baseURL, source } = resolveBaseURL(name, config, env);
  try {
    new URL(baseURL);
  } catch {
    throw new ProviderError(`${name}: base URL "${baseURL}" (from ${source}) is not a URL`, {
      provider: name,
      kind: 'bad_config',
    });
  }
  return {
    name,
    model: opts.model?.trim() || section.model?.trim() || DEFAULT_MODELS[name],
    baseURL,
    baseURLSource: source,
    apiKey: resolveKey(name, config, env),
    timeoutMs: opts.timeoutMs ?? parseDuration(section.timeout),
    maxRetries: opts.maxRetries ?? DEFAULT_MAX_RETRIES,
    ...(name === 'openai' ? openAIAccount(env) : {}),
  };
}
