// `aios doctor`'s provider reachability: one HTTP GET of the models endpoint (2 s) for each provider
// that has an API key (config or the provider's own env variable), and for ollama when it is the
// default provider (a local server needs no key). Endpoint and key come from the provider module's
// own resolution (src/agents/providers/provider-settings.ts); it exposes no check, so this is a
// plain fetch (a model call would cost tokens). The key goes only into the request header: it is
// never part of a message, and error texts are scrubbed of it in case a server echoes it.
import type { ProviderName } from '../src/agents/agent-types.js';
import {
  BASE_URL_ENV,
  envValue,
  KEY_ENV,
  PROVIDER_NAMES,
  resolveProviderSettings,
} from '../src/agents/providers/provider-settings.js';
import type { Config } from '../src/config/schema.js';
import type { CheckResult } from './doctor-perms.js';

export interface ProviderProbe {
  name: ProviderName;
  url: string;
  headers: Record<string, string>;
  /** Kept only to scrub it from any text that is shown. */
  secret?: string;
}

const trimSlash = (s: string) => s.replace(/\/+$/, '');

/**
 * The probes to run, with the endpoint and key the provider module itself would use (env beats
 * config: decision 100). Providers without a key are left out; ollama needs none and is probed when
 * it is the default provider or has a key. A setting the provider module rejects (a base URL that is
 * not a URL) comes back as a failed check instead of a probe.
 */
export function providerProbes(config: Config, env: NodeJS.ProcessEnv): (ProviderProbe | CheckResult)[] {
  const out: (ProviderProbe | CheckResult)[] = [];
  for (const name of PROVIDER_NAMES) {
    const keyEnv = KEY_ENV[name];
    const hasKey = Boolean((keyEnv && envValue(env, keyEnv)) || config.llm[name].api_key?.trim());
    if (!hasKey && !(name === 'ollama' && config.llm.default_provider === 'ollama')) continue;
    let settings: ReturnType<typeof resolveProviderSettings>;
    try {
      settings = resolveProviderSettings(config, { provider: name, env });
    } catch (error) {
      out.push({
        id: `provider:${name}`,
        status: 'fail',
        message: (error as Error).message,
        fix: `correct [llm.${name}] or ${BASE_URL_ENV[name]}`,
      });
      continue;
    }
    // OpenAI and ollama base URLs include /v1; Anthropic's does not (its SDK adds /v1/...).
    const url = `${trimSlash(settings.baseURL)}${name === 'anthropic' ? '/v1' : ''}/models`;
    const headers: Record<string, string> =
      name === 'anthropic'
        ? { 'x-api-key': settings.apiKey, 'anthropic-version': '2023-06-01' }
        : { authorization: `Bearer ${settings.apiKey}` };
    out.push({ name, url, headers, secret: settings.apiKey });
  }
  return out;
}

export function isProbe(x: ProviderProbe | CheckResult): x is ProviderProbe {
  return 'url' in x;
}

function scrub(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('[key]') : text;
}

export async function probeProvider(probe: ProviderProbe, timeoutMs = 2000): Promise<CheckResult> {
  const id = `provider:${probe.name}`;
  const where = scrub(probe.url, probe.secret);
  try {
    const res = await fetch(probe.url, {
      headers: probe.headers,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    await res.body?.cancel();
    if (res.ok) return { id, status: 'ok', message: `${probe.name} answers at ${where}` };
    if (res.status === 401 || res.status === 403) {
      return {
        id,
        status: 'fail',
        message: `${probe.name} rejects the API key (HTTP ${res.status} from ${where})`,
        fix: `set a valid key (${probe.name === 'anthropic' ? 'ANTHROPIC_API_KEY' : probe.name === 'openai' ? 'OPENAI_API_KEY' : `[llm.${probe.name}] api_key`})`,
      };
    }
    return {
      id,
      status: 'warn',
      message: `${probe.name} answered HTTP ${res.status} at ${where}`,
      fix: `check [llm.${probe.name}] base_url`,
    };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    const why =
      e.name === 'TimeoutError'
        ? `no answer in ${timeoutMs / 1000} s`
        : (e.cause?.code ?? scrub(e.message, probe.secret));
    return {
      id,
      status: 'warn',
      message: `${probe.name} is not reachable at ${where} (${why})`,
      fix: `check the network or [llm.${probe.name}] base_url; chat and intents need a reachable provider`,
    };
  }
}
