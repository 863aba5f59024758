// The one place a Provider or an Embedder is built from the config, the --provider/--model flags and
// the environment (decisions 100-103). Constructing never touches the network; a missing key or an
// unknown provider throws a one-line ProviderError naming what to set.
import type { Config } from '../../config/schema.js';
import type { Embedder, Provider, ProviderName } from '../agent-types.js';
import { AnthropicProvider } from './anthropic-provider.js';
import { OpenAICompatibleEmbedder } from './embedder.js';
import { OpenAIProvider } from './openai-provider.js';
import { ProviderError } from './provider-error.js';
import {
  checkProviderName,
  envValue,
  KEY_ENV,
  type ProviderOptions,
  resolveProviderSettings,
} from './provider-settings.js';

export { ProviderError } from './provider-error.js';
export { DEFAULT_MODELS, type ProviderOptions } from './provider-settings.js';

export function createProvider(config: Config, opts: ProviderOptions = {}): Provider {
  const settings = resolveProviderSettings(config, opts);
  return settings.name === 'anthropic' ? new AnthropicProvider(settings) : new OpenAIProvider(settings);
}

/** Which provider serves embeddings: Anthropic has no embeddings API, so its users embed via OpenAI (decision 103). */
export function embeddingProvider(config: Config, opts: ProviderOptions = {}): ProviderName | undefined {
  const name = checkProviderName(opts.provider ?? config.llm.default_provider);
  if (name !== 'anthropic') return name;
  const env = opts.env ?? process.env;
  const openaiKey = envValue(env, KEY_ENV.openai ?? '') ?? config.llm.openai.api_key?.trim();
  return openaiKey ? 'openai' : undefined;
}

/**
 * The embedder for `[llm] embedding_model`, or undefined when none is configured (search is then
 * full-text only) or the provider is anthropic with no OpenAI key to embed with. Throws a ProviderError
 * when the model is set but the key is missing: the caller reports it and falls back to full-text.
 * `opts.model` here overrides the *embedding* model, never a chat model.
 */
export function createEmbedder(config: Config, opts: ProviderOptions = {}): Embedder | undefined {
  const model = opts.model?.trim() || config.llm.embedding_model?.trim();
  if (!model) return undefined;
  const provider = embeddingProvider(config, opts);
  if (provider === undefined) return undefined;
  const settings = resolveProviderSettings(config, { ...opts, provider, model });
  if (settings.name === 'anthropic') {
    throw new ProviderError('anthropic has no embeddings API', { provider: 'anthropic', kind: 'bad_config' });
  }
  return new OpenAICompatibleEmbedder(settings);
}
