// `aios apply [--yes] [--dry-run] [--only ID]... [--json] [--plan FILE] [--timings]`: show the plan,
// ask for confirm-rules on a TTY, snapshot, converge, verify, notify, and print a summary.
// Exit 0 converged, 3 blocked by policy, 1 error. The loop itself lives in src/reconcile.
import fs from 'node:fs';
import type { ConfirmFn } from '../../src/agents/agent-types.js';
import type { IntentStep } from '../../src/agents/intent-tool.js';
import { UserInputError } from '../../src/errors.js';
import { redactValue } from '../../src/memory/redact.js';
import { loadDesiredState } from '../../src/reconcile/desired-state.js';
import { createEngine } from '../../src/reconcile/engine.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import type { ProgressEvent, ResourceOutcome, RunReport } from '../../src/reconcile/run-types.js';
import type { Action, Decision } from '../../src/types.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandArgs } from '../command.js';
import { confirmAction } from '../confirm.js';
import { delegateTo } from '../daemon-link.js';
import { type Io, paint, printJson } from '../io.js';
import { sharedMemory } from '../shared-memory.js';
import { renderPlan, summaryLine, timingLine } from './diff.js';

export interface ApplyArgs extends CommandArgs {
  only?: string[];
  yes?: boolean;
  dryRun?: boolean;
  'dry-run'?: boolean;
  plan?: string;
  timings?: boolean;
  full?: boolean;
}

export default async function apply(args: ApplyArgs, io: Io): Promise<number> {
  const report = await runApply(args, io, { trigger: 'apply' });
  return report.exitCode;
}

export interface RunApplyOptions {
  trigger: string;
  /** Print the plan before applying (default: on, except with --json). */
  showPlan?: boolean;
}

export async function runApply(args: ApplyArgs, io: Io, opts: RunApplyOptions): Promise<RunReport> {
  const started = performance.now();
  const { loaded, paths } = await loadCliConfig(args);
  const configMs = performance.now() - started;
  for (const w of loaded.warnings) io.err(`aios: warning: ${w}`);
  const dryRun = Boolean(args.dryRun ?? args['dry-run']);
  const saved = args.plan ? readSavedPlan(args.plan) : undefined;
  const only = args.only && args.only.length > 0 ? args.only : (saved?.only ?? []);
  const desired = await loadDesiredState(paths.specsDir, { cacheDir: paths.dataDir });
  const live = io.isTTY && !args.json;
  const showPlan = (opts.showPlan ?? true) && !args.json;
  const onProgress = (e: ProgressEvent) => {
    if (e.type === 'plan' && showPlan) {
      renderPlan(io, e.plan);
      io.out(summaryLine(io, e.plan));
    } else if (e.type === 'snapshot' && live) {
      io.out(paint(io, 'dim', `snapshot ${e.id} taken`));
    } else if (e.type === 'resource' && live && e.outcome.status !== 'unchanged') {
      io.out(outcomeLine(io, e.outcome));
    } else if (e.type === 'notify' && live) {
      io.out(
        `  notify ${e.outcome.target}: ${e.outcome.status}${e.outcome.error ? ` (${e.outcome.error})` : ''}`,
      );
    }
  };
  const daemon = await delegateTo(args, paths);
  let report: RunReport;
  if (daemon) {
    // The daemon serialises applies with its own drift repairs; progress streams back as it runs.
    report = (await daemon(
      'apply',
      {
        only,
        dry_run: dryRun,
        yes: Boolean(args.yes),
        full: args.full === true,
        ...(saved ? { expected_hash: saved.hash } : {}),
      },
      (p) => {
        const step = intentProgress(p);
        if (step) {
          if (!args.json) intentLine(io, step);
        } else onProgress(p as ProgressEvent);
      },
    )) as RunReport;
  } else {
    const confirm = (action: Action, decision: Decision) =>
      confirmAction(io, action, decision, { yes: Boolean(args.yes) });
    // The agent's own confirm-rules are asked like the plan's: on the TTY, or approved by --yes.
    const agentConfirm: ConfirmFn = async (action, decision) =>
      (await confirm(action, decision)) ? { outcome: 'approved' } : { outcome: 'denied' };
    const engine = await createEngine({
      loaded,
      paths,
      trigger: opts.trigger,
      confirm,
      // Loaded only when the run has something to do (the agent loop stays out of a no-change apply).
      extraTools: async (parts) => {
        const { intentTools, intentStep } = await import('../../src/agents/intent-tool.js');
        return intentTools({
          config: loaded.config,
          confirm: agentConfirm,
          onEvent: (e) => {
            const step = intentStep(e);
            if (step && !args.json) intentLine(io, step);
          },
        })(parts);
      },
      onProgress,
      warn: (m) => io.err(`aios: warning: ${m}`),
      openMemory: (file) => sharedMemory(file),
      fullRead: args.full === true,
    });
    try {
      report = await reconcile(desired.graph, engine.deps, {
        only,
        dryRun,
        trigger: opts.trigger,
        ...(saved ? { expectedHash: saved.hash } : {}),
      });
    } finally {
      engine.close();
    }
  }
  report.timings.load = configMs + desired.loadMs;
  // Only a process of its own has a start worth reporting (the daemon's began long before).
  if (opts.trigger === 'apply') report.timings.start = started;
  if (args.json) {
    // Outputs of exec commands and intent checks are the host's text: the same redaction as memory.
    printJson(io, redactValue(report));
    return report;
  }
  if (!live) {
    for (const o of report.resources) if (o.status !== 'unchanged') io.out(outcomeLine(io, o));
    for (const n of report.notified) {
      io.out(`  notify ${n.target}: ${n.status}${n.error ? ` (${n.error})` : ''}`);
    }
  }
  for (const line of summaryLines(io, report)) io.out(line);
  if (args.timings) io.out(timingLine(report.timings));
  return report;
}

/** What the agent does for an intent, as it happens: each gated tool call and each check. */
function intentLine(io: Io, s: IntentStep): void {
  const head = `  intent:${s.name} attempt ${s.attempt}`;
  if (s.kind === 'attempt')
    io.out(paint(io, 'dim', `${head} of ${s.of ?? '?'}: the agent works on the goal`));
  else if (s.kind === 'tool_call')
    io.out(`${head}: ${s.call ?? '?'} → ${s.verdict} (${s.rule}), ${s.outcome}`);
  else if (s.exitCode === null || s.exitCode === undefined)
    io.out(paint(io, 'magenta', `${head}: ${s.first ?? ''}`));
  else {
    const why = s.exitCode !== 0 && s.first ? paint(io, 'dim', ` (${s.first})`) : '';
    io.out(paint(io, s.exitCode === 0 ? 'green' : 'dim', `${head}: check exit ${s.exitCode}`) + why);
  }
}

/** A daemon's progress notification carrying an intent step (src/runtime/reconciler-service.ts). */
function intentProgress(p: unknown): IntentStep | undefined {
  const e = p as { type?: unknown; step?: IntentStep };
  return e && e.type === 'intent' && e.step ? e.step : undefined;
}

function outcomeLine(io: Io, o: ResourceOutcome): string {
  const colour = {
    changed: 'green',
    failed: 'red',
    blocked: 'magenta',
    skipped: 'yellow',
    pending: 'yellow',
    unchanged: 'dim',
  } as const;
  const ms = o.durationMs > 0 ? paint(io, 'dim', ` (${o.durationMs.toFixed(0)} ms)`) : '';
  let line = `${paint(io, colour[o.status], o.status.padEnd(8))} ${o.id}${ms}`;
  if (o.status === 'blocked') line += `\n    blocked by rule ${o.rule}: ${o.error ?? ''}`;
  else if (o.error) line += `\n    ${o.error.split('\n').join('\n    ')}`;
  return line;
}

export function summaryLines(io: Io, r: RunReport): string[] {
  const c = r.counts;
  const secs = (r.durationMs / 1000).toFixed(2);
  const head = r.dryRun ? 'Dry run' : 'Apply';
  const parts = r.dryRun
    ? [
        `${c.pending} would change`,
        `${c.unchanged} unchanged`,
        `${c.blocked} blocked`,
        `${c.skipped} skipped`,
      ]
    : [
        `${c.changed} changed`,
        `${c.unchanged} unchanged`,
        `${c.failed} failed`,
        `${c.blocked} blocked`,
        `${c.skipped} skipped`,
      ];
  const lines = [
    `${head}: ${parts.join(', ')}; ${r.snapshot ? `snapshot ${r.snapshot}` : 'no snapshot'}; ${secs} s`,
  ];
  if (r.rollback) {
    lines.push(
      r.rollback.error
        ? paint(io, 'red', `auto-rollback from ${r.rollback.snapshot} failed: ${r.rollback.error}`)
        : `auto-rollback: restored ${r.rollback.restored.length} and removed ${r.rollback.removed.length} path(s) from snapshot ${r.rollback.snapshot}`,
    );
  }
  if (c.blocked > 0)
    lines.push('Blocked actions were not run; see the rules above (aios policy check explains them).');
  return lines;
}

interface SavedPlan {
  hash: string;
  only: string[];
}

function readSavedPlan(file: string): SavedPlan {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserInputError(`cannot read the saved plan: ${(e as Error).message}`, { file });
  }
  const d = data as { hash?: unknown; only?: unknown; plan?: { hash?: unknown; only?: unknown } };
  const hash = d.hash ?? d.plan?.hash;
  const only = d.only ?? d.plan?.only ?? [];
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
    throw new UserInputError('not a saved plan: no "hash" (make one with `aios diff --json > plan.json`)', {
      file,
    });
  }
  return { hash, only: Array.isArray(only) ? only.filter((x): x is string => typeof x === 'string') : [] };
}
