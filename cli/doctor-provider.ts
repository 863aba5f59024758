// `aios doctor`'s provider reachability: one HTTP GET of the models endpoint (2 s) for each provider
// that has an API key (config or the provider's own env variable), and for ollama when it is the
// default provider (a local server needs no key). The key goes only into the request header: it is
// never part of a message, and error texts are scrubbed of it in case a server echoes it.
import type { Config } from '../src/config/schema.js';
import type { CheckResult } from './doctor-perms.js';

export interface ProviderProbe {
  name: 'openai' | 'anthropic' | 'ollama';
  url: string;
  headers: Record<string, string>;
  /** Kept only to scrub it from any text that is shown. */
  secret?: string;
}

const trimSlash = (s: string) => s.replace(/\/+$/, '');

/** The probes to run; providers without a key (ollama: unless default) are left out. */
export function providerProbes(config: Config, env: NodeJS.ProcessEnv): ProviderProbe[] {
  const probes: ProviderProbe[] = [];
  const openaiKey = config.llm.openai.api_key || env.OPENAI_API_KEY;
  if (openaiKey) {
    const base = config.llm.openai.base_url || env.OPENAI_BASE_URL || 'https://api.openai.com/v1';
    probes.push({
      name: 'openai',
      url: `${trimSlash(base)}/models`,
      headers: { authorization: `Bearer ${openaiKey}` },
      secret: openaiKey,
    });
  }
  const anthropicKey = config.llm.anthropic.api_key || env.ANTHROPIC_API_KEY;
  if (anthropicKey) {
    const base = config.llm.anthropic.base_url || env.ANTHROPIC_BASE_URL || 'https://api.anthropic.com';
    probes.push({
      name: 'anthropic',
      url: `${trimSlash(base)}/v1/models`,
      headers: { 'x-api-key': anthropicKey, 'anthropic-version': '2023-06-01' },
      secret: anthropicKey,
    });
  }
  const ollamaKey = config.llm.ollama.api_key;
  if (config.llm.default_provider === 'ollama' || ollamaKey) {
    // OLLAMA_HOST is host[:port]; the OpenAI-compatible API lives under /v1.
    const host = env.OLLAMA_HOST
      ? `${/^https?:\/\//.test(env.OLLAMA_HOST) ? '' : 'http://'}${trimSlash(env.OLLAMA_HOST)}/v1`
      : undefined;
    const base = host ?? config.llm.ollama.base_url ?? 'http://127.0.0.1:11434/v1';
    const probe: ProviderProbe = { name: 'ollama', url: `${trimSlash(base)}/models`, headers: {} };
    if (ollamaKey) {
      probe.headers.authorization = `Bearer ${ollamaKey}`;
      probe.secret = ollamaKey;
    }
    probes.push(probe);
  }
  return probes;
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
