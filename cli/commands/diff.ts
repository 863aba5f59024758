// `aios diff [--only ID]... [--json] [--timings]`: desired vs actual per resource, through exactly
// the planning code `aios apply` runs (makePlan). Exit 0 converged, 2 changes pending, 1 error.
// Also holds the plan/summary rendering `aios apply` and `aios demo` reuse.
import path from 'node:path';
import { redactValue } from '../../src/memory/redact.js';
import { loadDesiredState, planOnHost } from '../../src/reconcile/desired-state.js';
import { configGuard } from '../../src/reconcile/engine.js';
import { type Plan, publicPlan, type ResourcePlan } from '../../src/reconcile/plan.js';
import type { Phase } from '../../src/reconcile/run-types.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandArgs } from '../command.js';
import { delegateTo } from '../daemon-link.js';
import { EXIT } from '../exit-codes.js';
import { type Io, paint, printJson } from '../io.js';

export interface DiffArgs extends CommandArgs {
  only?: string[];
  timings?: boolean;
  full?: boolean;
}

export default async function diff(args: DiffArgs, io: Io): Promise<number> {
  const started = performance.now();
  const { loaded, paths } = await loadCliConfig(args);
  const configMs = performance.now() - started;
  for (const w of loaded.warnings) io.err(`aios: warning: ${w}`);
  // A running daemon for this host answers with the same planning code; --timings measures this process.
  // --full reads every file here too (the daemon's own diff trusts its notes).
  const daemon = args.timings || args.full ? undefined : await delegateTo(args, paths);
  let plan: Plan;
  let phases: Partial<Record<Phase, number>> = {};
  if (daemon) {
    plan = (await daemon('diff', { only: args.only ?? [] })) as Plan;
  } else {
    const desired = await loadDesiredState(paths.specsDir, { cacheDir: paths.dataDir });
    // The gate decides what observe runs itself (an intent's check); loaded only if one asks.
    const planned = await planOnHost(desired, paths.root, {
      only: args.only ?? [],
      guard: configGuard(loaded, paths),
      notesDir: paths.dataDir,
      full: args.full,
    });
    plan = planned.plan;
    phases = { start: started, load: configMs + desired.loadMs, ...planned.timings };
  }
  if (args.json) {
    printJson(
      io,
      redactValue({
        ...publicPlan(plan),
        summary: summarise(plan),
        ...(args.timings ? { timings: phases } : {}),
      }),
    );
  } else {
    renderPlan(io, plan);
    io.out(summaryLine(io, plan));
    if (args.timings) io.out(timingLine(phases));
  }
  return exitFor(plan);
}

export function exitFor(plan: Plan): number {
  if (plan.resources.some((r) => r.status === 'error')) return EXIT.error;
  return plan.resources.some((r) => r.status !== 'converged') ? EXIT.changes : EXIT.ok;
}

export interface PlanSummary {
  create: number;
  change: number;
  remove: number;
  error: number;
  converged: number;
}

export function summarise(plan: Plan): PlanSummary {
  const s: PlanSummary = { create: 0, change: 0, remove: 0, error: 0, converged: 0 };
  for (const r of plan.resources) s[r.status]++;
  return s;
}

const marks: Record<
  ResourcePlan['status'],
  { sign: string; word: string; colour: 'green' | 'yellow' | 'red' | 'dim' }
> = {
  create: { sign: '+', word: 'create', colour: 'green' },
  change: { sign: '~', word: 'change', colour: 'yellow' },
  remove: { sign: '-', word: 'remove', colour: 'red' },
  error: { sign: '!', word: 'error', colour: 'red' },
  converged: { sign: ' ', word: 'ok', colour: 'dim' },
};

/** Every resource that is not converged: a header line, then its diffs and changed fields. */
export function renderPlan(io: Io, plan: Plan): void {
  for (const raw of plan.resources) {
    if (raw.status === 'converged') {
      // Converged for all that can be seen; say what could not be checked from here.
      for (const c of raw.changes) {
        if (c.unobservable !== undefined)
          io.out(paint(io, 'dim', `? ${raw.id}: ${c.field} not checked (${c.unobservable})`));
      }
      continue;
    }
    io.out(renderResource(io, raw));
  }
}

export function renderResource(io: Io, raw: ResourcePlan): string {
  const r = publicPlan({ ...emptyPlan, resources: [raw] }).resources[0] as ResourcePlan;
  const m = marks[r.status];
  const lines = [paint(io, m.colour, `${m.sign} ${m.word} ${r.id}`) + paint(io, 'dim', `  (${where(r)})`)];
  if (r.error) lines.push(`    ${paint(io, 'red', r.error)}`);
  for (const c of r.changes) {
    if (c.unobservable !== undefined) {
      lines.push(
        paint(io, 'dim', `    ${c.field}: not checked (${c.unobservable}); wanted ${show(c.after)}`),
      );
    } else if (c.diff !== undefined) {
      lines.push(`    ${c.field}:`);
      for (const l of c.diff.replace(/\n$/, '').split('\n')) {
        if (l.startsWith('=====')) continue;
        lines.push(`      ${colourDiffLine(io, l)}`);
      }
    } else {
      lines.push(`    ${c.field}: ${show(c.before)} → ${show(c.after)}`);
    }
    // Free text that explains the change (an intent's check output), shown as it was printed.
    if (c.detail !== undefined && c.unobservable === undefined) {
      for (const l of c.detail.replace(/\n$/, '').split('\n')) lines.push(paint(io, 'dim', `      | ${l}`));
    }
  }
  return lines.join('\n');
}

const emptyPlan: Plan = { version: 1, root: '/', only: [], resources: [], hash: '' };

function colourDiffLine(io: Io, l: string): string {
  if (l.startsWith('+++') || l.startsWith('---')) return paint(io, 'bold', l);
  if (l.startsWith('+')) return paint(io, 'green', l);
  if (l.startsWith('-')) return paint(io, 'red', l);
  if (l.startsWith('@@')) return paint(io, 'cyan', l);
  return l;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function where(r: ResourcePlan): string {
  const rel = path.relative(process.cwd(), r.source.file);
  const file = rel.startsWith('..') || path.isAbsolute(rel) ? r.source.file : rel;
  return r.source.line !== undefined ? `${file}:${r.source.line}` : file;
}

export function summaryLine(io: Io, plan: Plan): string {
  const s = summarise(plan);
  const total = plan.resources.length;
  if (s.create + s.change + s.remove + s.error === 0) {
    return paint(io, 'green', `No changes: ${total} resource${total === 1 ? '' : 's'} converged.`);
  }
  const parts = [
    `${s.create} to create`,
    `${s.change} to change`,
    `${s.remove} to remove`,
    `${s.converged} unchanged`,
  ];
  if (s.error > 0) parts.push(paint(io, 'red', `${s.error} failed to plan`));
  return `Plan: ${parts.join(', ')}. (plan ${plan.hash.slice(0, 12)})`;
}

export function timingLine(t: Partial<Record<Phase, number>>): string {
  const order: Phase[] = [
    'start',
    'load',
    'observe',
    'diff',
    'gate',
    'snapshot',
    'apply',
    'verify',
    'notify',
    'record',
  ];
  const parts = order.filter((p) => t[p] !== undefined).map((p) => `${p} ${(t[p] as number).toFixed(1)} ms`);
  return `timings: ${parts.join(', ')}`;
}
