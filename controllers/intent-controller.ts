// The `intent` kind: a goal in words that no typed resource expresses, converged when its `check`
// command exits 0. observe runs the check — through the policy gate (ctx.guard) as a read-only
// bash action, sandboxed read-only, cwd at the root — and never anything else; without a guard, or
// when the gate does not allow the check, the intent is reported unobservable with the rule and
// nothing runs. plan hands the goal to the `intent` tool (src/agents/intent-tool.ts), which lets
// the agent act through gated tools and reruns the check. This module knows no agent or provider,
// and no zod: the spec's schema is in intent-schema.ts (decision 172).
import { gatedCheck } from '../src/host/check-run.js';
import type { Action, Change } from '../src/types.js';
import type { Controller, ObserveContext } from './controller.js';
import type { IntentSpec } from './intent-schema.js';

/** The tool an intent's action names (src/agents/intent-tool.ts registers it under this name). */
export const INTENT_TOOL = 'intent';

export type IntentObserved =
  | { ran: true; exitCode: number; output: string }
  /** The check was not run: the gate's verdict and rule, or why no gate/sandbox was at hand. */
  | { ran: false; verdict: string; rule: string; reason: string };

export const intentController: Controller<IntentSpec, IntentObserved> = {
  kind: 'intent',
  name: (spec) => spec.name,

  async observe(spec: IntentSpec, ctx: ObserveContext): Promise<IntentObserved> {
    if (!ctx.guard) {
      return { ran: false, verdict: 'none', rule: 'no-gate', reason: 'no policy gate to decide the check' };
    }
    const guard = ctx.guard;
    const out = await gatedCheck((action, effect) => guard.decide(action, effect), {
      command: spec.check,
      root: ctx.root,
      runner: ctx.runner,
      sandbox: guard.sandbox,
      timeoutSec: spec.timeout,
      resource: `intent:${spec.name}`,
    });
    // Only exit code and output: whether bwrap was used must not change the plan's hash.
    return out.ran
      ? { ran: true, exitCode: out.exitCode, output: out.output }
      : { ran: false, verdict: out.verdict, rule: out.rule, reason: out.reason };
  },

  diff(_spec: IntentSpec, obs: IntentObserved): Change[] {
    if (!obs.ran) {
      const why =
        obs.verdict === 'deny' || obs.verdict === 'confirm'
          ? `check blocked by rule ${obs.rule} (${obs.verdict}): ${obs.reason}`
          : `check not run (${obs.rule}): ${obs.reason}`;
      return [{ field: 'check', before: null, after: 'exit 0', unobservable: why }];
    }
    if (obs.exitCode === 0) return [];
    return [
      {
        field: 'check',
        before: `exit ${obs.exitCode}`,
        after: 'exit 0',
        ...(obs.output ? { detail: obs.output } : {}),
      },
    ];
  },

  plan(changes: Change[], spec: IntentSpec): Action[] {
    const open = changes.filter((c) => c.unobservable === undefined);
    if (open.length === 0) return [];
    return [
      {
        tool: INTENT_TOOL,
        args: {
          name: spec.name,
          goal: spec.goal,
          check: spec.check,
          max_attempts: spec.max_attempts,
          timeout: spec.timeout,
        },
        resource: `intent:${spec.name}`,
        reason: `check ${String(open[0]?.before ?? 'fails')}: the agent works toward the goal`,
      },
    ];
  },
};
