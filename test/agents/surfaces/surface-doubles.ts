// Test doubles for the surfaces tests: an Io that records what a command prints, and a ChatService
// that plays a script of events (so rendering, RPC plumbing and approvals are tested without a model).

import type { Io } from '../../../cli/io.js';
import type {
  AgentEvent,
  ChatIo,
  ChatRequest,
  ChatService,
  ConfirmOutcome,
  TurnResult,
} from '../../../src/agents/agent-types.js';
import type { Action, Decision } from '../../../src/types.js';

export interface RecordingIo {
  io: Io;
  out: string[];
  err: string[];
  stdout(): string;
  stderr(): string;
}

export function recordingIo(opts: { stdinTTY?: boolean } = {}): RecordingIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      out: (t) => out.push(t.endsWith('\n') ? t : `${t}\n`),
      err: (t) => err.push(t.endsWith('\n') ? t : `${t}\n`),
      isTTY: false,
      stdinTTY: opts.stdinTTY ?? false,
      color: false,
    },
    out,
    err,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

/** One scripted step of a fake turn: events to emit, or an action the host must confirm. */
export type FakeStep =
  | { event: AgentEvent }
  | { confirm: Action; decision: Decision; after?: (o: ConfirmOutcome) => AgentEvent[] };

export interface FakeService extends ChatService {
  requests: ChatRequest[];
  outcomes: ConfirmOutcome[];
  closed: boolean;
}

/**
 * A ChatService whose every turn plays `script(req)`: the steps in order, then a TurnResult with
 * the text of its text events. Sessions are ids `s1`, `s2`, ... unless the request names one.
 */
export function fakeService(
  script: (req: ChatRequest) => FakeStep[],
  opts: { fail?: string; finish?: TurnResult['finish'] } = {},
): FakeService {
  const sessions: { id: string; title: string | null; ts: string }[] = [];
  const svc: FakeService = {
    requests: [],
    outcomes: [],
    closed: false,
    async chat(req: ChatRequest, io: ChatIo): Promise<TurnResult> {
      svc.requests.push(req);
      if (opts.fail) throw Object.assign(new Error(opts.fail), { name: 'ProviderError' });
      let sessionId = req.sessionId;
      if (!sessionId && req.continueLast) sessionId = sessions[0]?.id;
      if (!sessionId) {
        sessionId = `s${sessions.length + 1}`;
        sessions.unshift({ id: sessionId, title: req.text.slice(0, 40), ts: new Date().toISOString() });
      }
      let text = '';
      const toolCalls: TurnResult['toolCalls'] = [];
      const emit = (e: AgentEvent) => {
        if (e.type === 'text') text += e.delta;
        if (e.type === 'tool_call')
          toolCalls.push({ call: e.call, verdict: e.decision.verdict, rule: e.decision.rule, ok: true });
        if (e.type === 'tool_result') {
          const last = toolCalls[toolCalls.length - 1];
          if (last) last.ok = e.ok;
        }
        io.onEvent?.(e);
      };
      for (const step of script(req)) {
        if (io.signal?.aborted) break;
        if ('event' in step) emit(step.event);
        else {
          const o = await io.confirm(step.confirm, step.decision);
          svc.outcomes.push(o);
          for (const e of step.after?.(o) ?? []) emit(e);
        }
      }
      return {
        sessionId,
        text,
        steps: 1,
        usage: { inputTokens: 10, outputTokens: 5 },
        finish: io.signal?.aborted ? 'cancelled' : (opts.finish ?? 'done'),
        toolCalls,
        ...(opts.finish === 'error' ? { error: 'the model went away' } : {}),
      };
    },
    sessions: (limit = 20) => sessions.slice(0, limit),
    close: () => {
      svc.closed = true;
    },
  };
  return svc;
}

export const text = (delta: string): FakeStep => ({ event: { type: 'text', delta } });
