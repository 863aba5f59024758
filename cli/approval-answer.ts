// Shared body of `aios approve ID` and `aios deny ID`.
import type { Approval } from '../src/policy/gate-types.js';
import type { CommandRun } from './command.js';
import { requireDaemon } from './daemon-link.js';
import { printJson } from './io.js';

/** A chat approval runs when approved, and the daemon says how it went; a reconcile one waits. */
type Decided = Approval & { ran?: { ok: boolean; verdict: string; summary: string } };

export function answerApproval(answer: 'approved' | 'denied'): CommandRun {
  return async (args, io) => {
    const call = await requireDaemon(args, answer === 'approved' ? 'approve' : 'deny');
    const a = (await call('approvals.decide', { id: String(args.id), answer })) as Decided;
    if (args.json) printJson(io, a);
    else io.out(`${a.id} ${answer}${answer === 'approved' ? `: ${outcome(a)}` : ''}`);
    if (a.ran && !a.ran.ok) return 1;
    return 0;
  };
}

function outcome(a: Decided): string {
  if (!a.ran) return 'it runs in the next pass of its resource';
  if (a.ran.verdict === 'deny') return `the gate now denies it, so it did not run (${a.ran.summary})`;
  return a.ran.ok ? `it ran: ${a.ran.summary}` : `it ran and failed: ${a.ran.summary}`;
}
