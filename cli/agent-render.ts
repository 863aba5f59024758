// Prints an agent turn for a person: the answer as it streams, each tool call with its tool, short
// args, verdict and rule (and the security review, when there is one), each result in one line, and
// errors. `aios chat` and `aios shell` use it for both the in-process and the daemon path, so the
// output is the same either way. Colour only when io.color says so (a TTY). It decides nothing and
// runs nothing: it only renders AgentEvents and the TurnResult.
import type { AgentEvent, ModelToolCall, TurnResult } from '../src/agents/agent-types.js';
import type { Decision } from '../src/types.js';
import { type Colour, type Io, paint } from './io.js';

export interface RenderOptions {
  /**
   * Writes raw text with no newline added (a TTY's stdout): the answer streams character by
   * character. Absent: the answer is written a whole line at a time through io.out.
   */
  raw?: (text: string) => void;
  /**
   * Hides known secrets (the providers' API keys) in everything shown: a tool's output may hold
   * one (`env`), and the output must not. Line mode scrubs whole lines; raw mode each piece.
   */
  scrub?: (text: string) => string;
}

export interface TurnRenderer {
  onEvent(event: AgentEvent): void;
  /** Ends a partly written answer line, before a prompt or a footer. */
  flush(): void;
  /** Ends the turn: flushes, then reports a cancelled/failed/cut-short turn on stderr. */
  finish(result: TurnResult): void;
}

const VERDICT_COLOUR: Record<Decision['verdict'], Colour> = {
  allow: 'green',
  confirm: 'yellow',
  deny: 'red',
};
const ARGS_WIDTH = 72;
const RESULT_WIDTH = 100;

export function createTurnRenderer(io: Io, opts: RenderOptions = {}): TurnRenderer {
  // Text not yet written (line mode), and whether the cursor sits mid-line (raw mode).
  let pending = '';
  let midLine = false;
  const clean = opts.scrub ?? ((t: string) => t);

  const write = (delta: string) => {
    if (opts.raw) {
      opts.raw(clean(delta));
      if (delta.length > 0) midLine = !delta.endsWith('\n');
      return;
    }
    pending += delta;
    const nl = pending.lastIndexOf('\n');
    if (nl === -1) return;
    io.out(clean(pending.slice(0, nl + 1)));
    pending = pending.slice(nl + 1);
  };
  const flush = () => {
    if (opts.raw) {
      if (midLine) opts.raw('\n');
      midLine = false;
      return;
    }
    if (pending.length > 0) io.out(clean(pending));
    pending = '';
  };
  const line = (text: string) => {
    flush();
    io.out(clean(text));
  };

  return {
    flush,
    onEvent(event) {
      switch (event.type) {
        case 'text':
          write(event.delta);
          break;
        case 'tool_call': {
          const { verdict, rule } = event.decision;
          const tag = paint(io, VERDICT_COLOUR[verdict], verdict);
          line(`${paint(io, 'cyan', '→')} ${toolLine(event.call)}  [${tag} · ${rule}]`);
          if (event.review) {
            line(paint(io, 'dim', `  security review: ${event.review.verdict}: ${event.review.reason}`));
          }
          if (verdict === 'deny') line(paint(io, 'dim', `  not run: ${oneLine(event.decision.reason)}`));
          break;
        }
        case 'tool_result': {
          const mark = event.ok ? paint(io, 'green', '✓') : paint(io, 'red', '✗');
          line(`  ${mark} ${shorten(oneLine(event.summary), RESULT_WIDTH) || (event.ok ? 'ok' : 'failed')}`);
          // A confirm held by the daemon: say how a person answers it.
          const held = /^queued for approval ([0-9a-f]+)/.exec(event.summary);
          if (held)
            line(
              paint(io, 'dim', `    waits for a person: aios approve ${held[1]} (or aios deny ${held[1]})`),
            );
          break;
        }
        case 'error':
          flush();
          io.err(clean(`aios: ${oneLine(event.message)}`));
          break;
        case 'step':
          break;
      }
    },
    finish(result) {
      flush();
      if (result.finish === 'cancelled') io.err('aios: turn cancelled');
      else if (result.finish === 'max_steps')
        io.err(
          `aios: stopped after ${result.steps} step${result.steps === 1 ? '' : 's'} ([llm] max_steps); the session is kept`,
        );
    },
  };
}

/** `bash ls -la /etc`, `write_file /etc/motd`, or the tool and its args as short JSON. */
export function toolLine(call: ModelToolCall): string {
  const a = call.args ?? {};
  let detail: string;
  if (call.argsText !== undefined) detail = `(unparsable args) ${call.argsText}`;
  else if (typeof a.command === 'string') detail = a.command;
  else if (typeof a.path === 'string') detail = a.path;
  else if (typeof a.name === 'string') detail = a.name;
  else detail = JSON.stringify(a);
  return `${call.name} ${shorten(oneLine(detail), ARGS_WIDTH)}`;
}

/** The one-line footer with the session id (stderr, so stdout stays the answer). */
export function sessionFooter(io: Io, result: TurnResult): string {
  const u = result.usage;
  const cost = u.costUsd !== undefined ? `, $${u.costUsd.toFixed(4)}` : '';
  return paint(
    io,
    'dim',
    `session ${result.sessionId} · ${result.steps} step${result.steps === 1 ? '' : 's'} · ` +
      `${u.inputTokens}+${u.outputTokens} tokens${cost} (continue: aios chat --continue "…")`,
  );
}

/** What `aios chat --json` prints: one object, plain data. */
export function turnJson(result: TurnResult): Record<string, unknown> {
  return {
    session_id: result.sessionId,
    text: result.text,
    finish: result.finish,
    steps: result.steps,
    usage: result.usage,
    tool_calls: result.toolCalls.map((t) => ({
      tool: t.call.name,
      args: t.call.args,
      verdict: t.verdict,
      rule: t.rule,
      ok: t.ok,
    })),
    ...(result.error !== undefined ? { error: result.error } : {}),
  };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ⏎ ').trim();
}

function shorten(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
