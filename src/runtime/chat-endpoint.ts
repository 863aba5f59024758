// Which model endpoint a chat turn would reach with a given config and environment: provider,
// model, base URL and whether a key is there (never the key). The daemon answers `chat.endpoint`
// with it and the CLI computes its own, so a chat goes to the daemon only when both would reach the
// same model (docs/decisions/120). Kept apart from chat-rpc.ts so the CLI loads no tools for it.
import type { ProviderName } from '../agents/agent-types.js';
import { resolveProviderSettings } from '../agents/providers/provider-settings.js';
import type { LoadedConfig } from '../config/load-config.js';

export interface ProviderEndpoint {
  provider: string;
  model: string;
  base_url: string;
  has_key: boolean;
}

const PLACEHOLDER_KEYS = { OPENAI_API_KEY: 'placeholder', ANTHROPIC_API_KEY: 'placeholder' };

/** Null when the settings cannot name an endpoint at all (a bad base URL, an unknown provider). */
export function providerEndpoint(
  loaded: LoadedConfig,
  env: NodeJS.ProcessEnv,
  provider?: ProviderName,
  model?: string,
): ProviderEndpoint | null {
  const opts = { env, ...(provider ? { provider } : {}), ...(model ? { model } : {}) };
  try {
    const s = resolveProviderSettings(loaded.config, opts);
    return { provider: s.name, model: s.model, base_url: s.baseURL, has_key: true };
  } catch {
    // No key: say where the turn would go, and that it cannot.
    try {
      const s = resolveProviderSettings(loaded.config, { ...opts, env: { ...env, ...PLACEHOLDER_KEYS } });
      return { provider: s.name, model: s.model, base_url: s.baseURL, has_key: false };
    } catch {
      return null;
    }
  }
}
