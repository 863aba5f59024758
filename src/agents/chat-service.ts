// The agent as `aios chat`, `aios shell` and the daemon's `chat` RPC use it: resolves the session
// (new, by id, or the latest), loads its messages as history, builds the system prompt, runs the
// gated loop (with the security agent when [agents] security_agent = true) and stores everything in
// memory: each message as it happens (with token usage), each tool call, each gate decision (source
// 'agent') and an audit entry for every action that ran with a write/exec/network effect or that the
// gate did not simply allow. The provider is made first, so a missing API key fails with its one-line
// ProviderError before any session row is written. Known secret values (the providers' API keys) are
// scrubbed from everything stored, on top of the memory store's own redaction. No terminal I/O: the
// host of the turn brings events, confirmations and cancellation (ChatIo).
import os from 'node:os';
import type { LoadedConfig } from '../config/load-config.js';
import type { EffectivePaths } from '../config/paths.js';
import { UserInputError } from '../errors.js';
import { type ProcessRunner, spawnRunner } from '../host/process-runner.js';
import { RootPath } from '../host/root-path.js';
import { type MemoryStore, openMemory } from '../memory/memory-store.js';
import type { PolicyGate } from '../policy/gate-types.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { ToolContext } from '../tools/tool.js';
import { runTurn } from './agent-loop.js';
import type {
  AgentMessage,
  ChatIo,
  ChatRequest,
  ChatService,
  Provider,
  ProviderName,
  TurnResult,
  TurnToolCall,
  Usage,
} from './agent-types.js';
import { historyFromRows, sessionTitle, storedArgs } from './chat-session.js';
import type { SpecResources } from './managed-state.js';
import { semanticRetriever } from './prompt-memory.js';
import { createProvider } from './providers/create-provider.js';
import { scrubSecrets } from './secret-scrub.js';
import { createSecurityReviewer } from './security-review.js';
import { buildSystemPrompt, gatherPromptContext } from './system-prompt.js';

export interface ChatServiceOptions {
  loaded: LoadedConfig;
  paths: EffectivePaths;
  env?: NodeJS.ProcessEnv;
  /** The memory store; opened from paths.memoryPath on first use (and closed by close()) when absent. */
  memory?: MemoryStore;
  /** The policy gate; built from [security] and the policies dirs when absent. */
  gate?: PolicyGate;
  /** The tool registry; the built-ins plus [tools] plugins_dir when absent. */
  registry?: ToolRegistry;
  /** Makes the model for a turn; default createProvider(config, {provider, model, env}). */
  providerFactory?: (name?: ProviderName, model?: string) => Provider;
  /**
   * Semantic retrieval for the system prompt; default: vector hits of memory when [llm]
   * embedding_model is set (src/agents/prompt-memory.ts). FTS search runs either way.
   */
  retrieve?: (text: string) => Promise<string[]>;
  /** Resource ids from a caller that loads specs with the real loader; default: a TOML scan. */
  resources?: () => Promise<SpecResources>;
  /** Spawns the exec tools' processes (tests inject a recording runner). Default: spawnRunner. */
  runner?: ProcessRunner;
}

export async function createChatService(opts: ChatServiceOptions): Promise<ChatService> {
  const { config } = opts.loaded;
  const env = opts.env ?? process.env;
  const runner = opts.runner ?? spawnRunner;
  const secrets = secretValues(opts.loaded, env);
  const scrub = <T>(value: T): T => scrubSecrets(value, secrets);
  const makeProvider =
    opts.providerFactory ??
    ((name?: ProviderName, model?: string) =>
      createProvider(config, { ...(name ? { provider: name } : {}), ...(model ? { model } : {}), env }));

  let memory = opts.memory;
  const ownsMemory = !opts.memory;
  const mem = (): MemoryStore => {
    memory ??= openMemory(opts.paths.memoryPath);
    return memory;
  };
  let gate = opts.gate;
  let registry = opts.registry;
  const prepare = async (): Promise<{ gate: PolicyGate; registry: ToolRegistry }> => {
    if (!gate) {
      const { createGate } = await import('../policy/create-gate.js');
      const s = config.security;
      gate = createGate({
        mode: s.mode,
        dangerousPatterns: s.dangerous_patterns,
        requireConfirm: s.require_confirm,
        policyDirs: opts.paths.policiesDirs,
        root: opts.paths.root,
        home: os.homedir(),
      });
    }
    if (!registry) {
      const { createRegistry } = await import('../tools/registry.js');
      registry = await createRegistry({
        pluginsDir: opts.paths.pluginsDir,
        sandbox: config.security.sandbox,
        runner,
      });
    }
    return { gate, registry };
  };
  // Vector notes for the prompt when an embedding model is configured (a caller's retriever wins).
  const retrieve = opts.retrieve ?? semanticRetriever(mem, config, { env });
  const toolCtx: ToolContext = {
    root: new RootPath(opts.paths.root),
    runner,
    sandbox: config.security.sandbox,
    maxOutputBytes: config.tools.max_output_bytes,
  };

  const chat = async (req: ChatRequest, io: ChatIo): Promise<TurnResult> => {
    // First: a missing key or an unknown provider fails here, before anything is stored.
    const provider = makeProvider(req.provider, req.model);
    const tools = await prepare();
    const store = mem();
    const sessionId = resolveSession(store, req, provider, scrub);
    const history = historyFromRows(store.messages(sessionId));
    const context = await gatherPromptContext({
      loaded: opts.loaded,
      paths: opts.paths,
      memory: store,
      userText: req.text,
      retrieve,
      resources: opts.resources,
    });
    const reviewer = config.agents.security_agent
      ? createSecurityReviewer(provider, io.signal ? { signal: io.signal } : {})
      : undefined;

    // Usage arrives with the 'step' event just before that step's assistant message.
    let stepUsage: Usage | undefined;
    let lastCall: TurnToolCall | undefined;
    // The reviewer counts its tokens over the turn; each reviewed call stores its own share.
    let reviewSeen: Usage = { inputTokens: 0, outputTokens: 0 };
    let reviewSpent: Usage = { inputTokens: 0, outputTokens: 0 };
    const persist = (m: AgentMessage) => {
      store.addMessage(scrub({ sessionId, role: m.role, content: m.content, data: messageData(m) }));
    };
    const messageData = (m: AgentMessage): Record<string, unknown> => {
      if (m.role === 'user') return { source: req.source };
      if (m.role === 'assistant') {
        const data = {
          model: provider.model,
          provider: provider.name,
          ...(m.toolCalls ? { toolCalls: m.toolCalls } : {}),
          ...(stepUsage ? { usage: stepUsage } : {}),
        };
        stepUsage = undefined;
        return data;
      }
      const c = lastCall?.call.id === m.toolCallId ? lastCall : undefined;
      return {
        toolCallId: m.toolCallId,
        name: m.name,
        ...(m.isError ? { isError: true } : {}),
        ...(c ? { verdict: c.decision.verdict, rule: c.decision.rule, outcome: c.outcome } : {}),
        ...(c?.review ? { review: c.review, reviewUsage: reviewSpent } : {}),
      };
    };
    const onToolCall = (c: TurnToolCall) => {
      lastCall = c;
      if (reviewer && c.review) {
        const u = reviewer.usage;
        reviewSpent = {
          inputTokens: u.inputTokens - reviewSeen.inputTokens,
          outputTokens: u.outputTokens - reviewSeen.outputTokens,
        };
        reviewSeen = { inputTokens: u.inputTokens, outputTokens: u.outputTokens };
      }
      recordToolCall(store, sessionId, c, req.source, scrub);
    };

    const result = await runTurn({
      provider,
      registry: tools.registry,
      gate: tools.gate,
      toolCtx,
      confirm: io.confirm,
      system: buildSystemPrompt(context),
      history,
      userText: req.text,
      maxSteps: config.llm.max_steps,
      maxTokens: config.llm.max_tokens,
      sessionId,
      onEvent: (e) => {
        if (e.type === 'step') stepUsage = e.usage;
        // Events are shown and logged: the same scrub as what is stored.
        io.onEvent?.(scrub(e));
      },
      onMessage: persist,
      onToolCall,
      ...(io.signal ? { signal: io.signal } : {}),
      ...(reviewer ? { reviewer } : {}),
    });
    if (reviewer && (reviewer.usage.inputTokens > 0 || reviewer.usage.outputTokens > 0)) {
      result.usage.inputTokens += reviewer.usage.inputTokens;
      result.usage.outputTokens += reviewer.usage.outputTokens;
      if (reviewer.usage.costUsd !== undefined)
        result.usage.costUsd = (result.usage.costUsd ?? 0) + reviewer.usage.costUsd;
    }
    if (result.finish !== 'done') {
      // How the turn ended is part of the session: a later --continue should see it was cut short.
      store.addMessage(
        scrub({
          sessionId,
          role: 'system',
          content: `turn ended: ${result.finish}${result.error ? `: ${result.error}` : ''}`,
          data: { finish: result.finish, steps: result.steps, usage: result.usage },
        }),
      );
    }
    return scrub(result);
  };

  return {
    chat,
    sessions: (limit = 20) => listSessions(mem(), limit),
    close() {
      if (ownsMemory) memory?.close();
      memory = ownsMemory ? undefined : memory;
    },
  };
}

function resolveSession(
  store: MemoryStore,
  req: ChatRequest,
  provider: Provider,
  scrub: <T>(v: T) => T,
): string {
  if (req.sessionId !== undefined) {
    const found = store.getSession(req.sessionId);
    if (!found)
      throw new UserInputError(`no chat session "${req.sessionId}" (aios shell: /sessions lists them)`);
    return found.id;
  }
  if (req.continueLast) {
    const latest = latestConversation(store);
    if (latest) return latest;
  }
  return store.createSession(
    scrub({ title: sessionTitle(req.text), provider: provider.name, model: provider.model }),
  );
}

/**
 * Sessions the agent runs on its own, by title: an intent's attempts (src/agents/intent-tool.ts,
 * `intent:NAME`) and the system agent's diagnoses (src/agents/system-agent.ts). `--continue` means
 * "my last conversation", so it skips them; `--session ID` still opens any session.
 */
export const AGENT_RUN_TITLE_PREFIXES = ['intent:', 'diagnosis: '] as const;

/** The newest session a person had (not one an intent or the system agent ran). */
function latestConversation(store: MemoryStore): string | undefined {
  const latest = store.latestSession();
  if (!latest) return undefined;
  const isAgentRun = (title: string | null) => AGENT_RUN_TITLE_PREFIXES.some((p) => title?.startsWith(p));
  if (!isAgentRun(latest.title)) return latest.id;
  const rows = store.db
    .prepare('SELECT id, title FROM chat_sessions ORDER BY ts DESC, rowid DESC LIMIT 500')
    .all() as { id: string; title: string | null }[];
  return rows.find((r) => !isAgentRun(r.title))?.id;
}

function recordToolCall(
  store: MemoryStore,
  sessionId: string,
  c: TurnToolCall,
  source: string,
  scrub: <T>(v: T) => T,
): void {
  const action = { ...c.action, args: storedArgs(c.action.args) };
  store.transaction(() => {
    if (c.gateDecision) {
      store.recordDecision(
        scrub({
          action,
          verdict: c.decision.verdict,
          rule: c.decision.rule,
          reason: c.decision.reason,
          source: 'agent',
        }),
      );
    }
    store.recordToolCall(
      scrub({
        tool: c.call.name,
        args: action.args,
        resultSummary: c.outcome === 'ran' ? c.summary : `not run: ${c.summary}`,
        ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
        durationMs: c.durationMs,
        sessionId,
      }),
    );
    const acted = c.outcome === 'ran' && c.effect !== undefined && c.effect !== 'read';
    const notPlainAllow = c.gateDecision !== undefined && c.decision.verdict !== 'allow';
    if (acted || notPlainAllow) {
      store.appendAudit(
        acted ? 'tool.call' : 'policy.decision',
        scrub({
          source: 'agent',
          via: source,
          sessionId,
          tool: c.call.name,
          args: action.args,
          effect: c.effect,
          verdict: c.decision.verdict,
          rule: c.decision.rule,
          reason: c.decision.reason,
          outcome: c.outcome,
          ok: c.ok,
          ...(c.review ? { review: c.review } : {}),
          ...(c.confirm ? { confirm: c.confirm } : {}),
          ...(c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
          ...(c.changed !== undefined ? { changed: c.changed } : {}),
        }),
      );
    }
  });
}

function listSessions(store: MemoryStore, limit: number): { id: string; title: string | null; ts: string }[] {
  const n = Math.min(Math.max(1, Math.floor(limit)), 1000);
  const rows = store.db
    .prepare('SELECT id, title, ts FROM chat_sessions ORDER BY ts DESC, rowid DESC LIMIT ?')
    .all(n) as { id: string; title: string | null; ts: number }[];
  return rows.map((r) => ({ id: r.id, title: r.title, ts: new Date(r.ts).toISOString() }));
}

/** The API keys this process could send (env and config), as exact strings to scrub. */
export function secretValues(loaded: LoadedConfig, env: NodeJS.ProcessEnv): string[] {
  const { llm } = loaded.config;
  const values = [
    env.OPENAI_API_KEY,
    env.ANTHROPIC_API_KEY,
    llm.openai.api_key,
    llm.anthropic.api_key,
    llm.ollama.api_key,
  ];
  // Short values (ollama's placeholder key) would blank ordinary words: they are no secret.
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.trim().length >= 8))];
}

export { scrubSecrets };
