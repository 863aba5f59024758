// The agent inside the daemon: the `chat`, `chat.sessions`, `chat.cancel` and `chat.diagnosis` RPCs,
// the chat side of the approvals queue, and the system agent ([agents] system_agent). A turn streams
// its AgentEvents as `chat.event` notifications, then returns the TurnResult. Nobody sits at the
// daemon's terminal, so a confirm verdict is held as an approval (its own file, chat-approvals.json,
// listed and decided through the same approvals RPCs as the reconciler's); the model is told it is
// queued. When a person approves, the action runs then, through the gate again (a deny is final),
// and its result is appended to the session so `aios chat --continue` sees it (docs/decisions/120).
// It never holds an API key itself: the chat service reads it from the environment when it asks.
import path from 'node:path';
import type { ChatRequest, ChatService, ConfirmOutcome, ProviderName } from '../agents/agent-types.js';
import type { ChatServiceOptions } from '../agents/chat-service.js';
import { storedArgs } from '../agents/chat-session.js';
import { DIAGNOSIS_PREFIX, lastConversation, readOnlyRegistry, SystemAgent } from '../agents/system-agent.js';
import { parseDuration } from '../config/duration.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { EffectivePaths } from '../config/paths.js';
import { spawnRunner } from '../host/process-runner.js';
import { RootPath } from '../host/root-path.js';
import { type MemoryStore, openMemory } from '../memory/memory-store.js';
import { REDACTED, redact, redactValue } from '../memory/redact.js';
import type { Approval } from '../policy/gate-types.js';
import { gateFromConfig } from '../reconcile/engine.js';
import { redactAction } from '../reconcile/plan.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { Action, Decision } from '../types.js';
import { ApprovalsQueue } from './approvals-queue.js';
import { providerEndpoint } from './chat-endpoint.js';
import type { Logger } from './logger.js';
import { RpcError, type RpcHandler } from './rpc-server.js';

export const CHAT_APPROVALS_FILE = 'chat-approvals.json';
/** The resource column of a chat approval: which session asked for it. */
export const CHAT_RESOURCE_PREFIX = 'chat:';

export interface ChatHostOptions {
  loaded(): LoadedConfig;
  paths(): EffectivePaths;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Run the system agent when [agents] system_agent is on (the daemon passes true with its reconciler). */
  systemAgent: boolean;
  /** Tests inject a service factory; default: createChatService from the config. */
  openService?: (opts: Partial<ChatServiceOptions>) => Promise<ChatService>;
  /** Poll interval of the system agent (default 2 s). */
  systemPollMs?: number;
  /** Called after every chat turn, however it ended (the daemon indexes the new rows for search). */
  onTurnDone?: () => void;
}

export interface DiagnosisInfo {
  session_id: string;
  resource: string;
  ts: string;
  text: string;
}

/** A decided chat approval, with what happened when it ran. */
export type DecidedChatApproval = Approval & { ran?: { ok: boolean; verdict: string; summary: string } };

interface Held {
  action: Action;
  sessionId?: string;
}

export class ChatHost {
  private service: Promise<ChatService> | undefined;
  private queuePromise: Promise<ApprovalsQueue> | undefined;
  private registryPromise: Promise<ToolRegistry> | undefined;
  private memoryStore: MemoryStore | undefined;
  /** The exact actions behind held approvals (the file keeps them redacted). */
  private readonly held = new Map<string, Held>();
  private readonly turns = new Map<string, AbortController>();
  private system: SystemAgent | undefined;
  /** Outlives a reload: the rate limit per resource must not reset with the config. */
  private readonly diagnosed = new Map<string, number>();

  constructor(private readonly opts: ChatHostOptions) {}

  methods(): Record<string, RpcHandler> {
    return {
      chat: (p, ctx) => this.chat(p, ctx),
      'chat.sessions': async (p) => (await this.getService()).sessions(num(p.limit, 20)),
      'chat.cancel': async (p) => {
        const turn = typeof p.turn_id === 'string' ? this.turns.get(p.turn_id) : undefined;
        turn?.abort();
        return { cancelled: turn !== undefined };
      },
      'chat.diagnosis': async () => this.latestDiagnosis(),
      'chat.endpoint': async (p) =>
        providerEndpoint(this.opts.loaded(), this.opts.env, providerParam(p.provider), stringParam(p.model)),
    };
  }

  async start(): Promise<void> {
    this.startSystemAgent();
  }

  async stop(): Promise<void> {
    for (const t of this.turns.values()) t.abort();
    await this.system?.stop();
    this.system = undefined;
    (await this.service?.catch(() => undefined))?.close();
    this.service = undefined;
    this.memoryStore?.close();
  }

  /** The config was reloaded: the next turn builds a service (and system agent) from the new one. */
  invalidate(): void {
    const old = this.service;
    this.service = undefined;
    this.registryPromise = undefined;
    void old?.then((s) => s.close()).catch(() => undefined);
    void this.system?.stop();
    this.system = undefined;
    this.startSystemAgent();
  }

  // ---- chat ---------------------------------------------------------------------------------

  private async chat(p: Record<string, unknown>, ctx: Parameters<RpcHandler>[1]): Promise<unknown> {
    const text = typeof p.text === 'string' ? p.text.trim() : '';
    if (!text) throw new RpcError(-32602, 'chat needs {text}');
    const provider = providerParam(p.provider);
    const service = await this.getService();
    const req: ChatRequest = {
      text,
      source: typeof p.source === 'string' ? `daemon:${p.source}` : 'daemon',
      ...(provider ? { provider } : {}),
      ...(typeof p.model === 'string' && p.model ? { model: p.model } : {}),
    };
    const sessionId = typeof p.session_id === 'string' && p.session_id ? p.session_id : undefined;
    if (sessionId) req.sessionId = sessionId;
    else if (p.continue === true) {
      const last = lastConversation(service);
      if (last) req.sessionId = last;
      else req.continueLast = true;
    }
    const abort = new AbortController();
    const onClose = () => abort.abort();
    ctx.signal.addEventListener('abort', onClose, { once: true });
    const turnId = typeof p.turn_id === 'string' ? p.turn_id : undefined;
    if (turnId) this.turns.set(turnId, abort);
    const queued: string[] = [];
    // Events leave the daemon as they stream: a tool's output may hold a key the daemon knows.
    const { scrubSecrets, secretValues } = await import('../agents/chat-service.js');
    const secrets = secretValues(this.opts.loaded(), this.opts.env);
    try {
      const result = await service.chat(req, {
        onEvent: (event) => ctx.notify('chat.event', redactValue(scrubSecrets(event, secrets))),
        confirm: (action, decision) =>
          p.yes === true ? Promise.resolve({ outcome: 'approved' }) : this.hold(action, decision, queued),
        signal: abort.signal,
      });
      if (queued.length > 0) await this.linkApprovals(queued, result.sessionId);
      return result;
    } catch (error) {
      // A missing key or an unreachable server: one line for the CLI, never a stack.
      throw new RpcError(-32000, daemonSide(error));
    } finally {
      ctx.signal.removeEventListener('abort', onClose);
      if (turnId) this.turns.delete(turnId);
      this.opts.onTurnDone?.();
    }
  }

  private getService(): Promise<ChatService> {
    if (!this.service) {
      const made = this.openService({});
      this.service = made;
      // A failed build (no key yet) is retried by the next request, not cached.
      made.catch(() => {
        if (this.service === made) this.service = undefined;
      });
    }
    return this.service.catch((error: unknown) => {
      throw new RpcError(-32000, daemonSide(error));
    });
  }

  private async openService(extra: Partial<ChatServiceOptions>): Promise<ChatService> {
    if (this.opts.openService) return this.opts.openService(extra);
    // Loaded on the first turn: the SDKs stay out of an idle daemon's memory.
    const { createChatService } = await import('../agents/chat-service.js');
    return createChatService({
      loaded: this.opts.loaded(),
      paths: this.opts.paths(),
      env: this.opts.env,
      ...extra,
    });
  }

  // ---- approvals ----------------------------------------------------------------------------

  private queue(): Promise<ApprovalsQueue> {
    this.queuePromise ??= ApprovalsQueue.open(
      path.join(this.opts.paths().dataDir, CHAT_APPROVALS_FILE),
      parseDuration(this.opts.loaded().config.security.approval_timeout),
    );
    return this.queuePromise;
  }

  /** A confirm verdict in the daemon: hold the action for a person and tell the model it is queued. */
  private async hold(action: Action, decision: Decision, queued: string[]): Promise<ConfirmOutcome> {
    const q = await this.queue();
    const shown = action.sensitive ? redactAction(action) : redactValue(action);
    const { approved, approval, created } = q.consult(action, decision, shown);
    if (approved) return { outcome: 'approved' };
    if (created) {
      this.held.set(approval.id, { action });
      queued.push(approval.id);
      this.opts.log.info('approvals', `held ${approval.id}: ${action.tool} for chat (rule ${decision.rule})`);
    }
    await q.save();
    return { outcome: 'queued', approvalId: approval.id };
  }

  /** After the turn the session id is known: shown in `aios approvals`, used when it runs. */
  private async linkApprovals(ids: string[], sessionId: string): Promise<void> {
    const q = await this.queue();
    for (const a of q.list(true)) {
      if (!ids.includes(a.id)) continue;
      a.action = { ...a.action, resource: `${CHAT_RESOURCE_PREFIX}${sessionId}` };
      const held = this.held.get(a.id);
      if (held) held.sessionId = sessionId;
    }
    await q.save();
  }

  async listApprovals(all = false): Promise<Approval[]> {
    const q = await this.queue();
    await this.noteExpired(q);
    return q.list(all);
  }

  /** Approvals past [security] approval_timeout count as denied; their sessions are told so. */
  private async noteExpired(q: ApprovalsQueue): Promise<void> {
    const expired = q.expire();
    if (expired.length === 0) return;
    for (const a of expired) {
      this.held.delete(a.id);
      this.note(
        sessionOf(a),
        `Approval ${a.id} expired before a person answered ([security] approval_timeout): ${describe(a.action)} did not run.`,
      );
      this.opts.log.info('approvals', `${a.id} expired (chat)`);
    }
    await q.save();
  }

  /**
   * A person's answer, when `id` names a chat approval (undefined otherwise: the reconciler's
   * queue answers). Approved: the action runs now, through the gate again.
   */
  async decideApproval(id: string, answer: 'approved' | 'denied'): Promise<DecidedChatApproval | undefined> {
    const q = await this.queue();
    await this.noteExpired(q);
    const matches = q.list(true).filter((a) => a.id === id || a.id.startsWith(id));
    if (matches.length === 0) return undefined;
    const target = matches[0] as Approval;
    const exact =
      this.held.get(target.id)?.action ?? (hasRedaction(target.action) ? undefined : target.action);
    if (answer === 'approved' && matches.length === 1 && target.state === 'pending' && !exact) {
      throw new Error(
        `approval ${target.id} cannot run: the daemon restarted since and the action held hidden values; deny it and ask again`,
      );
    }
    const a = q.decide(id, answer);
    const sessionId = sessionOf(a) ?? this.held.get(a.id)?.sessionId;
    const mem = this.memory();
    mem.appendAudit('approval', { id: a.id, answer, action: a.action, decision: a.decision, source: 'chat' });
    if (answer === 'denied' || !exact) {
      this.held.delete(a.id);
      await q.save();
      this.note(sessionId, `Approval ${a.id} was denied by a person: ${describe(a.action)} did not run.`);
      this.opts.log.info('approvals', `${a.id} denied (chat)`);
      return a;
    }
    const ran = await this.runApproved(exact, a, sessionId);
    // Consume the approval: it ran (or the gate now denies it); either way it is done.
    q.consult(exact, a.decision);
    this.held.delete(a.id);
    await q.save();
    this.opts.log.info('approvals', `${a.id} approved (chat): ${ran.verdict}, ${ran.ok ? 'ok' : 'failed'}`);
    return { ...a, ran };
  }

  private async runApproved(
    action: Action,
    approval: Approval,
    sessionId: string | undefined,
  ): Promise<NonNullable<DecidedChatApproval['ran']>> {
    const loaded = this.opts.loaded();
    const paths = this.opts.paths();
    const registry = await this.registry();
    const tool = registry.get(action.tool);
    const gate = await gateFromConfig(loaded, paths);
    // The gate decides again: policy may have changed since, and a deny is final whatever a person said.
    const decision = tool
      ? gate.decide(action, tool.effect)
      : { verdict: 'deny' as const, rule: 'agent:unknown-tool', reason: `no tool named "${action.tool}"` };
    const mem = this.memory();
    const shown = action.sensitive ? redactAction(action) : action;
    mem.recordDecision({
      action: shown,
      verdict: decision.verdict,
      rule: decision.rule,
      reason: decision.reason,
      source: 'daemon:chat-approval',
    });
    if (decision.verdict === 'deny') {
      const summary = `denied by ${decision.rule}: ${decision.reason}`;
      this.noteRun(
        sessionId,
        approval,
        shown,
        `NOT RUN: a person approved it, but the policy gate now denies it (rule ${decision.rule}: ` +
          `${decision.reason}). A deny is final.`,
        true,
      );
      return { ok: false, verdict: 'deny', summary };
    }
    const started = performance.now();
    const { executeAction } = await import('../tools/execute.js');
    const result = await executeAction(registry, action, {
      root: new RootPath(paths.root),
      runner: spawnRunner,
      sandbox: loaded.config.security.sandbox,
      maxOutputBytes: loaded.config.tools.max_output_bytes,
    });
    const output = (result.output || result.stderr || (result.ok ? 'ok' : 'failed')).trim();
    const summary = output.split('\n')[0]?.slice(0, 160) ?? '';
    mem.recordToolCall({
      tool: action.tool,
      args: shown.args,
      resultSummary: summary,
      ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
      durationMs: performance.now() - started,
      ...(sessionId ? { sessionId } : {}),
    });
    mem.appendAudit('tool.call', {
      tool: action.tool,
      args: shown.args,
      ok: result.ok,
      approval: approval.id,
      source: 'daemon:chat-approval',
    });
    const status = `${result.ok ? 'ok' : 'failed'}${result.exitCode !== undefined ? ` (exit code ${result.exitCode})` : ''}`;
    this.noteRun(sessionId, approval, shown, `${status}\n${output.slice(0, 4000)}`, !result.ok);
    return { ok: result.ok, verdict: decision.verdict, summary };
  }

  /**
   * The approved action in its session as the loop itself would have stored it: an assistant
   * message with the tool call, then the tool's result. So `--continue` gives the model the outcome
   * as a tool result (data), never as words of the user or of the system prompt.
   */
  private noteRun(
    sessionId: string | undefined,
    approval: Approval,
    action: Action,
    result: string,
    isError: boolean,
  ): void {
    if (!sessionId) return;
    const callId = `approval-${approval.id}`;
    try {
      const mem = this.memory();
      mem.transaction(() => {
        mem.addMessage({
          sessionId,
          role: 'assistant',
          content: `Approval ${approval.id} was approved by a person; aios ran the held action ${describe(action)}.`,
          data: {
            source: 'approval',
            toolCalls: [{ id: callId, name: action.tool, args: storedArgs(action.args) }],
          },
        });
        mem.addMessage({
          sessionId,
          role: 'tool',
          content: result,
          data: {
            source: 'approval',
            toolCallId: callId,
            name: action.tool,
            ...(isError ? { isError } : {}),
          },
        });
      });
    } catch (error) {
      this.opts.log.warn('approvals', `cannot note the outcome in session ${sessionId}: ${oneLine(error)}`);
    }
  }

  /** A line from aios in the session the approval came from (a person's "no"). */
  private note(sessionId: string | undefined, content: string): void {
    if (!sessionId) return;
    try {
      this.memory().addMessage({ sessionId, role: 'assistant', content, data: { source: 'approval' } });
    } catch (error) {
      this.opts.log.warn('approvals', `cannot note the outcome in session ${sessionId}: ${oneLine(error)}`);
    }
  }

  private registry(): Promise<ToolRegistry> {
    this.registryPromise ??= import('../tools/registry.js').then((m) =>
      m.createRegistry({
        pluginsDir: this.opts.paths().pluginsDir,
        sandbox: this.opts.loaded().config.security.sandbox,
        runner: spawnRunner,
        warn: (msg) => this.opts.log.warn('tools', msg),
      }),
    );
    return this.registryPromise;
  }

  private memory(): MemoryStore {
    this.memoryStore ??= openMemory(this.opts.paths().memoryPath);
    return this.memoryStore;
  }

  // ---- system agent -------------------------------------------------------------------------

  private startSystemAgent(): void {
    if (!this.opts.systemAgent || !this.opts.loaded().config.agents.system_agent) return;
    this.system = new SystemAgent({
      memory: this.memory(),
      openService: async () => this.openService({ registry: readOnlyRegistry(await this.registry()) }),
      log: (level, message) => this.opts.log[level]('system-agent', message),
      lastRun: this.diagnosed,
      ...(this.opts.systemPollMs !== undefined ? { pollMs: this.opts.systemPollMs } : {}),
    });
    this.system.start();
  }

  latestDiagnosis(): DiagnosisInfo | null {
    const mem = this.memory();
    const row = mem.db
      .prepare(
        'SELECT id, ts, title FROM chat_sessions WHERE title LIKE ? ORDER BY ts DESC, rowid DESC LIMIT 1',
      )
      .get(`${DIAGNOSIS_PREFIX}%`) as { id: string; ts: number; title: string } | undefined;
    if (!row) return null;
    const answer = mem
      .messages(row.id)
      .filter((m) => m.role === 'assistant' && m.content.trim())
      .pop();
    return {
      session_id: row.id,
      resource: row.title.slice(DIAGNOSIS_PREFIX.length),
      ts: new Date(row.ts).toISOString(),
      text: answer?.content ?? '',
    };
  }
}

function sessionOf(a: Approval): string | undefined {
  const r = a.action.resource;
  return r?.startsWith(CHAT_RESOURCE_PREFIX) ? r.slice(CHAT_RESOURCE_PREFIX.length) : undefined;
}

function hasRedaction(action: Action): boolean {
  return JSON.stringify(action.args).includes(REDACTED);
}

function describe(action: Action): string {
  const a = action.args;
  if (typeof a.command === 'string') return `${action.tool} \`${redact(a.command)}\``;
  const main = a.path ?? a.name;
  return typeof main === 'string' ? `${action.tool} ${main}` : action.tool;
}

function providerParam(value: unknown): ProviderName | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === 'openai' || value === 'anthropic' || value === 'ollama') return value;
  throw new RpcError(-32602, `provider must be one of openai, anthropic, ollama (got "${String(value)}")`);
}

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** A missing key here is the daemon's: say so, or the user sets it in a shell that never sees the turn. */
function daemonSide(error: unknown): string {
  const line = oneLine(error);
  const kind = (error as { kind?: unknown } | null)?.kind;
  return kind === 'missing_key' ? `${line} — for aios-runtime, which runs this chat` : line;
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (
    text
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? 'unknown error'
  );
}
