// The reconcile loop: plan (observe → diff → plan) → gate every action → snapshot once before the
// first write → apply in dependency order → verify → notify (durable queue) → record. Every piece
// that touches the world is injected (gate, executor, snapshotter, recorder, confirm callback), so the
// loop is tested with fakes and does no terminal I/O; the CLI and the daemon wire the real modules.
import { randomUUID } from 'node:crypto';
import { HostError, UserInputError, ValidationError } from '../errors.js';
import type { PolicyGate } from '../policy/gate-types.js';
import type { Snapshotter } from '../recovery/snapshot-types.js';
import type { Graph } from '../specs/graph.js';
import type { ToolResult } from '../tools/tool.js';
import type { Action, Change, Decision, Effect, Resource, ResourceId } from '../types.js';
import { NotifyQueue } from './notify-queue.js';
import {
  errorText,
  forEachLimit,
  makePlan,
  observeContext,
  type PlanContext,
  publicPlan,
  publicResourcePlan,
  type ResourcePlan,
  redactAction,
  selectResources,
  statusOf,
} from './plan.js';
import type {
  DecisionRecord,
  ExecutedAction,
  NotifyOutcome,
  Phase,
  ProgressEvent,
  ResourceOutcome,
  RunCounts,
  RunRecorder,
  RunReport,
} from './run-types.js';

export interface ReconcileDeps extends PlanContext {
  gate: PolicyGate;
  /**
   * Called once before the first gate decision or action, only when the run has something to do:
   * lets the engine load the registry, gate and snapshot store lazily. Idempotent.
   */
  prepare?: () => Promise<void>;
  /** The declared effect of a tool (from the registry); unknown tools are gated as `exec`. */
  effectOf(tool: string): Effect | undefined;
  /** Runs one allowed action through the tool registry (executeAction); never throws. */
  execute(action: Action): Promise<ToolResult>;
  /** Asked for every `confirm` decision; absent means nobody can confirm (blocked). */
  confirm?: (action: Action, decision: Decision) => Promise<boolean>;
  /** Absent when [recovery] enabled = false. */
  snapshotter?: Snapshotter;
  /** [recovery] auto_rollback. */
  autoRollback?: boolean;
  recorder?: RunRecorder;
  /** Durable notify queue file (in data_dir); absent keeps the queue in memory only. */
  notifyQueueFile?: string;
  onProgress?: (event: ProgressEvent) => void;
  /** Kinds whose independent resources in one directory may apply in parallel (default file, symlink). */
  parallelKinds?: ReadonlySet<string>;
  /** Warnings that are not failures (recording failed, ...). */
  warn?: (message: string) => void;
}

export interface ReconcileOptions {
  only?: ResourceId[];
  dryRun?: boolean;
  /** `apply --plan`: refuse when the freshly computed plan hash differs. */
  expectedHash?: string;
  /** Run trigger recorded with the snapshot: "cli", "daemon", ... */
  trigger?: string;
  /** Resources a watcher saw changed outside aios (the daemon): recorded as drift, then repair. */
  external?: ResourceId[];
}

/** Writes done before their verify pass (and their progress lines) in a large batch. */
const VERIFY_CHUNK = 256;

// Directories are left out: two `mkdir -p` of siblings race on their missing common ancestors.
const defaultParallel: ReadonlySet<string> = new Set(['file', 'symlink']);

/** Thrown by `apply --plan` when the host (or the specs) changed since the plan was made. */
export class PlanDriftError extends UserInputError {
  override name = 'PlanDriftError';
}

export async function reconcile(
  graph: Graph,
  deps: ReconcileDeps,
  options: ReconcileOptions = {},
): Promise<RunReport> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const runId = randomUUID();
  const timings: Partial<Record<Phase, number>> = {};
  const phase = (p: Phase, since: number) => {
    const ms = performance.now() - since;
    timings[p] = (timings[p] ?? 0) + ms;
    deps.onProgress?.({ type: 'phase', phase: p, ms });
  };

  const only = options.only ?? [];
  const selected = selectResources(graph.order, only);
  const { plan, timings: pt } = await makePlan(selected, deps, only);
  timings.observe = pt.observe;
  timings.diff = pt.diff;
  deps.onProgress?.({ type: 'phase', phase: 'observe', ms: pt.observe });
  deps.onProgress?.({ type: 'phase', phase: 'diff', ms: pt.diff });
  if (options.expectedHash !== undefined && options.expectedHash !== plan.hash) {
    throw new PlanDriftError(
      'the saved plan no longer matches: the host or the specs changed since it was made (run `aios diff` again); nothing was applied',
    );
  }

  deps.onProgress?.({ type: 'plan', plan: publicPlan(plan) });
  const byId = new Map(plan.resources.map((r) => [r.id, r]));
  const outcomes = new Map<ResourceId, ResourceOutcome>();
  const decisions: DecisionRecord[] = [];
  const executed: ExecutedAction[] = [];
  const allowed = new Map<ResourceId, Action[]>();
  const blockedOrFailed = new Set<ResourceId>();
  // A dry run reports what is pending but must not write the queue.
  const queue = await NotifyQueue.open(deps.notifyQueueFile, { readOnly: options.dryRun === true });
  const tainted = new Set<ResourceId>();
  let snapshotId: string | undefined;
  let rollback: RunReport['rollback'];

  const finish = (o: ResourceOutcome) => {
    outcomes.set(o.id, o);
    if (o.status === 'failed' || o.status === 'blocked' || o.status === 'skipped') blockedOrFailed.add(o.id);
    deps.onProgress?.({ type: 'resource', outcome: { ...o, plan: publicResourcePlan(o.plan) } });
  };
  // Resources come in dependency order, so a dependency's fate is known when this is asked; a
  // converged resource below a failure passes the failure on (tainted) without being skipped.
  // The queue lives on in memory for this run when its file cannot be written (a data_dir the user
  // cannot write): the restart still happens now, only the crash-safety is lost, and we say so.
  let queueWarned = false;
  const persist = async (op: () => Promise<void>): Promise<void> => {
    try {
      await op();
    } catch (e) {
      if (!queueWarned) deps.warn?.(`notify queue ${deps.notifyQueueFile} not saved: ${errorText(e)}`);
      queueWarned = true;
    }
  };
  const failedDep = (id: ResourceId): ResourceId | undefined =>
    (graph.deps.get(id) ?? []).find((d) => blockedOrFailed.has(d) || tainted.has(d));

  // Gate: every action of every resource that will change, before anything runs.
  let t = performance.now();
  if (deps.prepare && (plan.resources.some((r) => r.actions.length > 0) || queue.list().length > 0)) {
    await deps.prepare();
  }
  for (const rp of plan.resources) {
    if (rp.status === 'error') {
      finish(outcome(rp, 'failed', { error: rp.error ?? 'cannot plan' }));
      continue;
    }
    if (rp.actions.length === 0) {
      const open = rp.changes.filter((c) => c.unobservable === undefined);
      if (open.length > 0) {
        // The controller sees a difference it has no action for: report it, never "unchanged".
        const fields = open.map((c) => c.field).join(', ');
        finish(outcome(rp, 'failed', { error: `differs (${fields}) but no action can converge it here` }));
      } else if (failedDep(rp.id)) tainted.add(rp.id);
      continue;
    }
    const dep = failedDep(rp.id);
    if (dep) {
      finish(outcome(rp, 'skipped', { skippedBecause: dep, error: `skipped: ${dep} did not converge` }));
      continue;
    }
    const verdict = await gateActions(rp.actions, deps, decisions, options.dryRun === true);
    if (verdict.blocked) {
      finish(outcome(rp, 'blocked', { rule: verdict.blocked.rule, error: verdict.blocked.reason }));
      continue;
    }
    allowed.set(rp.id, rp.actions);
  }
  phase('gate', t);

  if (options.dryRun) {
    for (const rp of plan.resources) {
      if (outcomes.has(rp.id)) continue;
      const dep = failedDep(rp.id);
      if (dep && rp.actions.length > 0) finish(outcome(rp, 'skipped', { skippedBecause: dep }));
      else finish(outcome(rp, rp.actions.length > 0 ? 'pending' : 'unchanged'));
    }
    return report(
      queue.list().map((p): NotifyOutcome => ({ target: p.target, from: p.from, status: 'pending' })),
    );
  }

  // Snapshot once, before the first write, and only when something will change.
  if (allowed.size > 0 && deps.snapshotter) {
    t = performance.now();
    const extraPaths = [...new Set(graph.order.flatMap((r) => managedPaths(r, deps)))].sort();
    try {
      const s = await deps.snapshotter.snapshot({
        kind: 'pre-apply',
        description: `before apply of ${allowed.size} resource(s)`,
        trigger: options.trigger ?? `apply ${runId}`,
        extraPaths,
      });
      snapshotId = s.id;
      deps.onProgress?.({ type: 'snapshot', id: s.id });
    } catch (e) {
      throw new HostError(`pre-apply snapshot failed, nothing was changed: ${errorText(e)}`);
    }
    phase('snapshot', t);
  }

  // Apply in dependency order; independent resources of parallel-safe kinds run side by side. The
  // writes of a batch (VERIFY_CHUNK at a time) are verified once they are all done, in plan order,
  // one resource at a time, before the next batch starts: dependents are always in a later batch, so
  // they still see their dependency's verdict, and the verify figure is the time verify really took
  // rather than a sum of overlapping waits (decision 177).
  t = performance.now();
  let verifyMs = 0;
  const touched: Resource[] = [];
  const verifyFailed: ResourceId[] = [];
  const parallelKinds = deps.parallelKinds ?? defaultParallel;
  const work = selected.filter((r) => !outcomes.has(r.id));

  /** Run the actions of independent resources side by side, then verify each, in order. */
  async function applyThenVerify(chunk: Resource[]): Promise<void> {
    // Resource → how long its actions took (its outcome's duration adds its verify).
    const done = new Map<ResourceId, number>();
    await forEachLimit(chunk, chunk.length > 1 ? (deps.concurrency ?? 16) : 1, async (r) => {
      const rp = byId.get(r.id) as ResourcePlan;
      const actions = allowed.get(r.id) as Action[];
      const began = performance.now();
      touched.push(r);
      for (const action of actions) {
        const result = await safeExecute(deps, action, executed, false, rp.sensitive === true);
        if (!result.ok) {
          // A validate command may echo the file it checked: keep a sensitive resource's output out.
          const error = rp.sensitive
            ? `${action.tool} failed${result.exitCode !== undefined ? ` (exit ${result.exitCode})` : ''}: output hidden (sensitive)`
            : toolError(action, result);
          finish(outcome(rp, 'failed', { error, durationMs: performance.now() - began }));
          return;
        }
      }
      // The change happened: queue its notifies durably before anything else can fail.
      await persist(() => queue.add(r.notify, r.id));
      done.set(r.id, performance.now() - began);
    });
    // Verify in plan order whatever order the writes finished in: the report reads the same
    // every run.
    for (const r of chunk) {
      const applyMs = done.get(r.id);
      if (applyMs === undefined) continue;
      const rp = byId.get(r.id) as ResourcePlan;
      const v0 = performance.now();
      const left = await verify(r, deps);
      const ms = performance.now() - v0;
      verifyMs += ms;
      if (left) {
        verifyFailed.push(r.id);
        finish(outcome(rp, 'failed', { error: left, durationMs: applyMs + ms }));
        continue;
      }
      finish(outcome(rp, 'changed', { durationMs: applyMs + ms }));
    }
  }

  for (const batch of batches(work, graph, parallelKinds)) {
    // What has nothing to run is settled first, without a task each (most of a large tree on a
    // no-change run); no member of a batch depends on another, so the order cannot matter.
    const toRun: Resource[] = [];
    for (const r of batch) {
      const rp = byId.get(r.id) as ResourcePlan;
      const dep = failedDep(r.id);
      if (!allowed.has(r.id)) {
        // Converged resources stay unchanged even when a dependency failed: nothing to do for them.
        if (dep) tainted.add(r.id);
        finish(outcome(rp, 'unchanged'));
      } else if (dep) {
        finish(outcome(rp, 'skipped', { skippedBecause: dep, error: `skipped: ${dep} did not converge` }));
      } else toRun.push(r);
    }
    // Written and verified VERIFY_CHUNK at a time, so progress on a terminal keeps moving through
    // a directory of thousands of files.
    for (let from = 0; from < toRun.length; from += VERIFY_CHUNK) {
      const chunk = toRun.slice(from, from + VERIFY_CHUNK);
      await applyThenVerify(chunk);
    }
  }
  timings.apply = performance.now() - t - verifyMs;
  timings.verify = verifyMs;
  deps.onProgress?.({ type: 'phase', phase: 'apply', ms: timings.apply });

  // Notify: restart/reload what changed inputs asked for, including leftovers of a crashed run.
  t = performance.now();
  const notified: NotifyOutcome[] = [];
  const position = new Map(graph.order.map((r, i) => [r.id, i]));
  const pending = queue.list().sort((a, b) => (position.get(a.target) ?? 0) - (position.get(b.target) ?? 0));
  for (const p of pending) {
    const target = graph.byId.get(p.target);
    if (!target) {
      // The spec that declared it is gone: nothing left to restart.
      await persist(() => queue.remove(p.target));
      continue;
    }
    if (blockedOrFailed.has(p.target)) {
      notified.push({
        target: p.target,
        from: p.from,
        status: 'pending',
        error: `${p.target} did not converge`,
      });
      continue;
    }
    const actions = (deps.lookup(target.kind)?.onNotify?.(target.spec) ?? []).map((a) =>
      a.resource ? a : { ...a, resource: target.id },
    );
    const verdict = await gateActions(actions, deps, decisions, false);
    let n: NotifyOutcome;
    if (verdict.blocked) {
      n = {
        target: p.target,
        from: p.from,
        status: 'blocked',
        rule: verdict.blocked.rule,
        error: verdict.blocked.reason,
      };
    } else {
      n = { target: p.target, from: p.from, status: 'done' };
      for (const a of actions) {
        const result = await safeExecute(deps, a, executed, true);
        if (!result.ok) {
          n = { target: p.target, from: p.from, status: 'failed', error: toolError(a, result) };
          break;
        }
      }
      if (n.status === 'done') await persist(() => queue.remove(p.target));
    }
    notified.push(n);
    deps.onProgress?.({ type: 'notify', outcome: n });
  }
  if (pending.length > 0) phase('notify', t);

  // auto_rollback: restore what this run touched from its pre-apply snapshot.
  if (verifyFailed.length > 0 && deps.autoRollback && snapshotId && deps.snapshotter) {
    const paths = [...new Set(touched.flatMap((r) => managedPaths(r, deps)))].sort();
    try {
      const res = await deps.snapshotter.restorePaths(snapshotId, paths);
      rollback = { snapshot: snapshotId, paths, restored: res.restored, removed: res.removed };
    } catch (e) {
      rollback = { snapshot: snapshotId, paths, restored: [], removed: [], error: errorText(e) };
    }
  }

  const r = report(notified);
  if (deps.recorder) {
    t = performance.now();
    try {
      await deps.recorder.record(r);
    } catch (e) {
      deps.warn?.(`could not record the run in memory: ${errorText(e)}`);
    }
    r.timings.record = performance.now() - t;
  }
  return r;

  function report(notifiedList: NotifyOutcome[]): RunReport {
    const list = plan.resources.map((rp) => outcomes.get(rp.id) ?? outcome(rp, 'unchanged'));
    const counts: RunCounts = { changed: 0, unchanged: 0, failed: 0, blocked: 0, skipped: 0, pending: 0 };
    for (const o of list) counts[o.status]++;
    const notifyBlocked = notifiedList.some((n) => n.status === 'blocked');
    const notifyFailed = notifiedList.some((n) => n.status === 'failed');
    const exitCode: 0 | 1 | 3 =
      counts.failed > 0 || notifyFailed ? 1 : counts.blocked > 0 || notifyBlocked ? 3 : 0;
    return {
      runId,
      startedAt,
      durationMs: performance.now() - started,
      dryRun: options.dryRun === true,
      plan: publicPlan(plan),
      ...(snapshotId ? { snapshot: snapshotId } : {}),
      ...(rollback ? { rollback } : {}),
      resources: list.map((o) => ({ ...o, plan: publicResourcePlan(o.plan) })),
      notified: notifiedList,
      ...(options.external && options.external.length > 0 ? { external: [...options.external] } : {}),
      decisions,
      actions: executed,
      counts,
      timings,
      exitCode,
    };
  }
}

function outcome(
  plan: ResourcePlan,
  status: ResourceOutcome['status'],
  extra: Partial<Omit<ResourceOutcome, 'id' | 'kind' | 'status' | 'plan'>> = {},
): ResourceOutcome {
  return { id: plan.id, kind: plan.kind, status, plan, durationMs: 0, ...extra };
}

interface GateVerdict {
  blocked?: { rule: string; reason: string };
}

/** Decide every action; stop at the first deny or unconfirmed confirm. */
async function gateActions(
  actions: Action[],
  deps: ReconcileDeps,
  decisions: DecisionRecord[],
  dryRun: boolean,
): Promise<GateVerdict> {
  for (const action of actions) {
    const effect = deps.effectOf(action.tool) ?? 'exec';
    let decision: Decision;
    try {
      decision = deps.gate.decide(action, effect);
    } catch (e) {
      // A broken policy file or config is the user's to fix: an error, not a silent block.
      if (e instanceof UserInputError || e instanceof ValidationError) throw e;
      decision = { verdict: 'deny', rule: 'gate-error', reason: errorText(e) };
    }
    const record: DecisionRecord = {
      tool: action.tool,
      ...(action.resource ? { resource: action.resource } : {}),
      verdict: decision.verdict,
      rule: decision.rule,
      reason: decision.reason,
    };
    decisions.push(record);
    if (decision.verdict === 'deny')
      return { blocked: { rule: decision.rule, reason: `denied: ${decision.reason}` } };
    if (decision.verdict === 'confirm' && !dryRun) {
      const ok = deps.confirm ? await deps.confirm(action, decision) : false;
      record.confirmed = ok;
      if (!ok) {
        return {
          blocked: { rule: decision.rule, reason: `needs confirmation (not given): ${decision.reason}` },
        };
      }
    }
  }
  return {};
}

async function safeExecute(
  deps: ReconcileDeps,
  action: Action,
  log: ExecutedAction[],
  notify = false,
  sensitive = false,
): Promise<ToolResult> {
  const t0 = performance.now();
  let result: ToolResult;
  try {
    result = await deps.execute(action);
  } catch (e) {
    result = { ok: false, output: errorText(e) };
  }
  const text = (result.ok ? result.output : result.stderr?.trim() || result.output).trim();
  log.push({
    tool: action.tool,
    ...(action.resource ? { resource: action.resource } : {}),
    args: redactAction(action).args,
    ok: result.ok,
    ...(result.exitCode !== undefined ? { exitCode: result.exitCode } : {}),
    durationMs: performance.now() - t0,
    // Tool output may echo contents (a diff of a sensitive file): keep one short line.
    summary: sensitive || action.sensitive ? '(sensitive)' : (text.split('\n')[0] ?? '').slice(0, 200),
    ...(notify ? { notify: true } : {}),
  });
  return result;
}

function toolError(action: Action, result: ToolResult): string {
  const detail = (result.stderr?.trim() || result.output.trim()).split('\n').slice(0, 5).join('\n');
  return `${action.tool} failed${result.exitCode !== undefined ? ` (exit ${result.exitCode})` : ''}: ${detail}`;
}

/** Observe again after apply; returns why it is not converged, or undefined. */
async function verify(r: Resource, deps: ReconcileDeps): Promise<string | undefined> {
  const controller = deps.lookup(r.kind);
  if (!controller) return `no controller for kind ${r.kind}`;
  // The actions succeeded; this kind says its guards cannot prove more than that.
  if (controller.verifiesAfterApply?.(r.spec) === false) return undefined;
  try {
    const seen = await controller.observe(r.spec, observeContext(deps, r));
    // Only the verdict matters here: the diff planOne would run, without its fingerprint and plan.
    let changes: Change[];
    try {
      changes = controller.diff(r.spec, seen);
    } catch (e) {
      return `did not converge after apply: plan failed: ${errorText(e)}`;
    }
    if (statusOf(changes) === 'converged') return undefined;
    return `did not converge after apply: ${changes.map((c) => c.field).join(', ')}`;
  } catch (e) {
    return `verify failed: ${errorText(e)}`;
  }
}

/** Host paths a resource manages: its controller's watch paths, else its `path` field. */
export function managedPaths(r: Resource, deps: Pick<PlanContext, 'lookup'>): string[] {
  const controller = deps.lookup(r.kind);
  const watched = controller?.watchPaths?.(r.spec);
  if (watched) return watched;
  return typeof r.spec.path === 'string' ? [r.spec.path] : [];
}

/**
 * Consecutive runs of the dependency order that may apply together: parallel-safe kinds, all in the
 * same parent directory, with no dependency inside the run. Sharing one parent keeps two tools from
 * racing to create the same missing ancestor (a directory's `mkdir -p`, a write into a directory
 * another resource creates). Anything else runs alone. The batches are a pure function of the order,
 * so the result of a run does not depend on timing.
 */
export function batches(order: Resource[], graph: Graph, parallel: ReadonlySet<string>): Resource[][] {
  const out: Resource[][] = [];
  let current: Resource[] = [];
  let ids = new Set<ResourceId>();
  let parent: string | undefined;
  for (const r of order) {
    const dir = parallel.has(r.kind) ? parentOf(r) : undefined;
    const dependsInside = (graph.deps.get(r.id) ?? []).some((d) => ids.has(d));
    if (dir === undefined || dir !== parent || dependsInside) {
      if (current.length > 0) out.push(current);
      current = [r];
      ids = new Set([r.id]);
      parent = dir;
      continue;
    }
    current.push(r);
    ids.add(r.id);
  }
  if (current.length > 0) out.push(current);
  return out;
}

function parentOf(r: Resource): string | undefined {
  const p = r.spec.path;
  if (typeof p !== 'string' || !p.startsWith('/')) return undefined;
  return p.slice(0, p.lastIndexOf('/')) || '/';
}
