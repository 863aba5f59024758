// The gated agent loop: one user turn, as many provider calls ("steps") as the model needs up to
// max_steps. Every tool call the model asks for becomes an Action that the policy gate decides
// (after the security agent, which can only make it stricter): allow runs it through executeAction,
// confirm asks the host (TTY or approvals queue), deny never runs it. Whatever happens goes back to
// the model as a tool result, so it can choose another way; a failing tool is a result, never an
// exception. Tool output is data: it reaches the model only as a capped tool result, never the
// system prompt, and an instruction inside it changes nothing because the gate still decides each
// call. This module records nothing and prints nothing: the host gets messages, tool calls and
// events through callbacks.
import { executeAction } from '../tools/execute.js';
import { TOOL } from '../tools/tool-args.js';
import type { Action, Decision } from '../types.js';
import type {
  AgentMessage,
  CompletionResult,
  ConfirmOutcome,
  ModelToolCall,
  Review,
  TurnOptions,
  TurnResult,
  TurnToolCall,
  Usage,
} from './agent-types.js';
import { combineDecision, needsReview } from './security-review.js';
import {
  badArgumentsText,
  cancelledText,
  DEFAULT_MAX_TOOL_RESULT_CHARS,
  declinedText,
  deniedText,
  queuedText,
  summarise,
  toolResultText,
  unknownToolText,
} from './tool-result-text.js';

type Settled = Omit<TurnToolCall, 'call' | 'action' | 'durationMs'> & { content: string };

export async function runTurn(opts: TurnOptions): Promise<TurnResult> {
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };
  const toolCalls: TurnResult['toolCalls'] = [];
  const messages: AgentMessage[] = [...opts.history];
  const tools = opts.tools ?? opts.registry.jsonSchemas();
  const maxChars = opts.maxToolResultChars ?? DEFAULT_MAX_TOOL_RESULT_CHARS;
  let lastText = '';
  let steps = 0;

  const push = (m: AgentMessage) => {
    messages.push(m);
    opts.onMessage?.(m);
  };
  const finish = (finish: TurnResult['finish'], error?: string): TurnResult => ({
    sessionId: opts.sessionId ?? '',
    text: lastText,
    steps,
    usage,
    finish,
    toolCalls,
    ...(error !== undefined ? { error } : {}),
  });
  const aborted = () => opts.signal?.aborted === true;
  // Call ids already used in this conversation: a server that repeats or omits ids gets fresh ones.
  const usedIds = new Set<string>();
  for (const m of opts.history)
    if (m.role === 'assistant') for (const c of m.toolCalls ?? []) usedIds.add(c.id);

  push({ role: 'user', content: opts.userText });
  while (steps < Math.max(1, opts.maxSteps)) {
    if (aborted()) return finish('cancelled');
    steps++;
    let result: CompletionResult;
    try {
      result = await opts.provider.complete({
        system: opts.system,
        messages: [...messages],
        tools,
        maxTokens: opts.maxTokens,
        ...(opts.onEvent ? { onText: (delta: string) => opts.onEvent?.({ type: 'text', delta }) } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (error) {
      if (aborted()) return finish('cancelled');
      const message = oneLine(error);
      opts.onEvent?.({ type: 'error', message });
      return finish('error', message);
    }
    addUsage(usage, result.usage);
    opts.onEvent?.({ type: 'step', step: steps, usage: { ...result.usage } });
    if (result.text) lastText = result.text;
    const calls = uniqueIds(result.toolCalls, usedIds);
    push({
      role: 'assistant',
      content: result.text,
      ...(calls.length > 0 ? { toolCalls: calls } : {}),
    });
    if (calls.length === 0) return finish(aborted() ? 'cancelled' : 'done');

    // Every call gets a tool result, even after a cancel: a session continued later must not hold
    // an assistant message whose tool calls were never answered (providers reject that).
    for (const call of calls) {
      const started = performance.now();
      const action: Action = {
        tool: call.name,
        args: withWorkingDir(call, opts.toolCtx.cwd),
        reason: `agent: ${summarise(result.text, 200) || `asked for ${call.name}`}`,
      };
      const settled = aborted() ? cancelledCall() : await settle(opts, call, action, maxChars);
      const { content, ...rest } = settled;
      const record: TurnToolCall = {
        ...rest,
        call,
        action,
        durationMs: Math.round(performance.now() - started),
      };
      opts.onToolCall?.(record);
      toolCalls.push({ call, verdict: record.decision.verdict, rule: record.decision.rule, ok: record.ok });
      opts.onEvent?.({ type: 'tool_result', call, ok: record.ok, summary: record.summary });
      push({
        role: 'tool',
        toolCallId: call.id,
        name: call.name,
        content,
        ...(record.ok ? {} : { isError: true }),
      });
    }
    if (aborted()) return finish('cancelled');
  }
  return finish('max_steps');
}

/** Decide and (maybe) run one tool call; never throws. */
async function settle(
  opts: TurnOptions,
  call: ModelToolCall,
  action: Action,
  maxChars: number,
): Promise<Settled> {
  const tool = opts.registry.get(call.name);
  if (!tool) {
    const decision = agentRefusal('agent:unknown-tool', `no tool named "${call.name}"`);
    opts.onEvent?.({ type: 'tool_call', call, decision });
    const known = opts.registry.list().map((t) => t.name);
    const content = unknownToolText(call.name, known);
    return { decision, outcome: 'invalid', ok: false, summary: summarise(content), content };
  }
  if (call.argsText !== undefined) {
    const decision = agentRefusal('agent:bad-arguments', 'the arguments were not a JSON object');
    opts.onEvent?.({ type: 'tool_call', call, decision });
    const content = badArgumentsText(call.name, call.argsText);
    return {
      effect: tool.effect,
      decision,
      outcome: 'invalid',
      ok: false,
      summary: summarise(content),
      content,
    };
  }
  const effect = tool.effect;
  const gateDecision = opts.gate.decide(action, effect);
  let review: Review | undefined;
  // A gate deny is final whatever a reviewer says, so it is not worth a model call.
  if (opts.reviewer && gateDecision.verdict !== 'deny' && needsReview(effect)) {
    review = await safeReview(opts, action, effect);
  }
  const decision = combineDecision(gateDecision, review);
  const base = { effect, gateDecision, decision, ...(review ? { review } : {}) };
  opts.onEvent?.({ type: 'tool_call', call, decision, ...(review ? { review } : {}) });

  if (decision.verdict === 'deny') {
    const content = deniedText(decision);
    return { ...base, outcome: 'denied', ok: false, summary: `denied by ${decision.rule}`, content };
  }
  if (decision.verdict === 'confirm') {
    const answer = await confirmOrCancel(opts, action, decision);
    if (!answer) return { ...base, ...cancelledCall(), decision };
    if (answer.outcome === 'denied') {
      const content = declinedText(decision);
      return {
        ...base,
        confirm: answer,
        outcome: 'declined',
        ok: false,
        summary: 'declined by the user',
        content,
      };
    }
    if (answer.outcome === 'queued') {
      const content = queuedText(decision, answer.approvalId);
      return {
        ...base,
        confirm: answer,
        outcome: 'queued',
        ok: false,
        summary: `queued for approval ${answer.approvalId}`,
        content,
      };
    }
    return { ...base, confirm: answer, ...(await run(opts, action, maxChars)) };
  }
  return { ...base, ...(await run(opts, action, maxChars)) };
}

async function run(
  opts: TurnOptions,
  action: Action,
  maxChars: number,
): Promise<Pick<Settled, 'outcome' | 'ok' | 'summary' | 'content' | 'exitCode' | 'changed'>> {
  const ctx = opts.signal ? { ...opts.toolCtx, signal: opts.signal } : opts.toolCtx;
  const result = await executeAction(opts.registry, action, ctx);
  const content = toolResultText(result, maxChars);
  return {
    outcome: 'ran',
    ok: result.ok,
    summary: summarise(result.output || result.stderr || (result.ok ? 'ok' : 'failed')),
    content,
    ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
    ...(result.changed !== undefined ? { changed: result.changed } : {}),
  };
}

/** The host's answer, or undefined when the turn is cancelled while it waits. */
async function confirmOrCancel(
  opts: TurnOptions,
  action: Action,
  decision: Decision,
): Promise<ConfirmOutcome | undefined> {
  const signal = opts.signal;
  if (signal?.aborted) return undefined;
  const asked = opts.confirm(action, decision).catch(
    // A host that fails to ask has not approved anything.
    (): ConfirmOutcome => ({ outcome: 'denied' }),
  );
  if (!signal) return asked;
  let onAbort: (() => void) | undefined;
  const cancelled = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([asked, cancelled]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

async function safeReview(opts: TurnOptions, action: Action, effect: string): Promise<Review> {
  try {
    return await (opts.reviewer as NonNullable<TurnOptions['reviewer']>).review(action, effect, {
      goal: opts.goal ?? opts.userText,
    });
  } catch (error) {
    return { verdict: 'confirm', reason: `the security review failed (${oneLine(error)})` };
  }
}

function cancelledCall(): Settled {
  const content = cancelledText();
  return {
    decision: agentRefusal('agent:cancelled', 'the turn was cancelled'),
    outcome: 'cancelled',
    ok: false,
    summary: 'cancelled',
    content,
  };
}

/**
 * The calls with ids unique in the conversation and of the alphabet every API accepts. Results are
 * paired with calls by id, and the APIs reject a conversation where two results answer one id; some
 * OpenAI-compatible servers repeat an id (or send none), so a repeated or empty id becomes
 * `<id>_<n>`. Anthropic accepts only [a-zA-Z0-9_-] in ids, and a session may be continued there
 * (`--continue --provider anthropic`) after a server that sent `functions.read_file:0`: other
 * characters become `_`. Marks the ids it returns as used.
 */
function uniqueIds(calls: ModelToolCall[], used: Set<string>): ModelToolCall[] {
  return calls.map((call) => {
    let id = call.id.replace(/[^a-zA-Z0-9_-]/g, '_');
    if (id === '' || used.has(id)) {
      const base = id || 'call';
      let n = 2;
      while (used.has(`${base}_${n}`)) n++;
      id = `${base}_${n}`;
    }
    used.add(id);
    return id === call.id ? call : { ...call, id };
  });
}

/**
 * A bash call without `cwd` runs where the tool starts it (exec-run: the session's cwd, else `/` of
 * the root). The action says so explicitly: the gate resolves relative paths against `cwd` only when
 * it is given, so without it `rm -rf etc` (run in `/`) would be judged as an unknown relative path
 * and allowed, while it deletes /etc. Gate, reviewer, approvals queue and execution see one action.
 */
function withWorkingDir(call: ModelToolCall, sessionCwd: string | undefined): Record<string, unknown> {
  const args = call.args ?? {};
  if (call.name !== TOOL.bash || call.argsText !== undefined || args.cwd !== undefined) return args;
  return { ...args, cwd: sessionCwd ?? '/' };
}

/** A refusal made by the loop itself, before any gate: the call could not become an Action. */
function agentRefusal(rule: string, reason: string): Decision {
  return { verdict: 'deny', rule, reason };
}

function addUsage(total: Usage, step: Usage): void {
  total.inputTokens += step.inputTokens;
  total.outputTokens += step.outputTokens;
  if (step.costUsd !== undefined) total.costUsd = (total.costUsd ?? 0) + step.costUsd;
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
