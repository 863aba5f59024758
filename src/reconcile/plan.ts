// The one function that produces a Plan: observe every selected resource, diff it, plan its
// actions. `aios diff` and `aios apply` both call `makePlan`, so a dry run cannot disagree with the
// real one. The Plan is plain data with a hash over observed-state fingerprints and actions; it
// never changes the host (observe only reads).
import path from 'node:path';
import type { CommandGuard, ObserveContext } from '../../controllers/controller.js';
import { UserInputError } from '../errors.js';
import type { ContentStamps } from '../host/content-stamps.js';
import type { ProcessRunner } from '../host/process-runner.js';
import type { RootPath } from '../host/root-path.js';
import type { ControllerLookup } from '../specs/load-specs.js';
import type { Action, Change, Resource, ResourceId, SourceRef } from '../types.js';
import { canonicalJson, fingerprint, sha256 } from './canonical.js';

export type PlanStatus = 'converged' | 'create' | 'change' | 'remove' | 'error';

export interface ResourcePlan {
  id: ResourceId;
  kind: string;
  name: string;
  status: PlanStatus;
  changes: Change[];
  actions: Action[];
  /** sha256 of the canonical JSON of what observe returned. */
  fingerprint: string;
  source: SourceRef;
  /** `sensitive = true`: contents are hidden in every output and in memory. */
  sensitive?: boolean;
  /** Observe, diff or plan threw: the resource cannot be planned. */
  error?: string;
}

export interface Plan {
  version: 1;
  root: string;
  /** The --only selection the plan was made with (empty: everything). */
  only: ResourceId[];
  resources: ResourcePlan[];
  hash: string;
}

export interface PlanContext {
  lookup: ControllerLookup;
  root: RootPath;
  runner: ProcessRunner;
  /** Parallel observes (read-only, so safe); default 16. */
  concurrency?: number;
  /** Gate (and sandbox) for commands observe runs itself (an intent's check); absent: not run. */
  guard?: CommandGuard;
  /** What earlier runs read of managed files (decision 183); absent: every file is read. */
  stamps?: ContentStamps;
}

export interface PlanTimings {
  observe: number;
  diff: number;
}

export interface PlanResult {
  plan: Plan;
  /** What observe returned per id (not part of the Plan's data; verify compares against it). */
  observed: Map<ResourceId, unknown>;
  timings: PlanTimings;
}

/** The resources --only selects, in the given order; an unknown id is an input error. */
export function selectResources(resources: Resource[], only: ResourceId[] | undefined): Resource[] {
  if (!only || only.length === 0) return resources;
  const known = new Set(resources.map((r) => r.id));
  const unknown = only.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new UserInputError(`--only: no spec declares ${unknown.join(', ')}`);
  }
  const want = new Set(only);
  return resources.filter((r) => want.has(r.id));
}

/** Spec file → its directory: thousands of resources come from a handful of files. */
const specDirs = new Map<string, string>();

export function observeContext(ctx: PlanContext, r: Resource): ObserveContext {
  let specDir = specDirs.get(r.source.file);
  if (specDir === undefined) {
    specDir = path.dirname(r.source.file);
    if (specDirs.size > 10_000) specDirs.clear();
    specDirs.set(r.source.file, specDir);
  }
  const oc: ObserveContext = { root: ctx.root, runner: ctx.runner, specDir };
  if (ctx.guard) oc.guard = ctx.guard;
  if (ctx.stamps) oc.stamps = ctx.stamps;
  return oc;
}

/**
 * Observe → diff → plan for each resource (given in dependency order), limited to `only` when
 * given. The result holds real contents: print, save or send only `publicPlan(plan)`.
 */
export async function makePlan(
  all: Resource[],
  ctx: PlanContext,
  only: ResourceId[] = [],
): Promise<PlanResult> {
  const resources = selectResources(all, only);
  const t0 = performance.now();
  const observed = new Map<ResourceId, unknown>();
  const observeErrors = new Map<ResourceId, string>();
  await forEachLimit(resources, ctx.concurrency ?? 16, async (r) => {
    const controller = ctx.lookup(r.kind);
    if (!controller) {
      observeErrors.set(r.id, `no controller for kind ${r.kind}`);
      return;
    }
    try {
      observed.set(r.id, await controller.observe(r.spec, observeContext(ctx, r)));
    } catch (e) {
      observeErrors.set(r.id, `observe failed: ${errorText(e)}`);
    }
  });
  const t1 = performance.now();
  const plans = resources.map((r) => planOne(r, ctx, observed, observeErrors.get(r.id)));
  const plan: Plan = { version: 1, root: ctx.root.root, only: [...only], resources: plans, hash: '' };
  plan.hash = planHash(plan);
  // The hash is part of planning: --timings must not leave it between two phases.
  const t2 = performance.now();
  return { plan, observed, timings: { observe: t1 - t0, diff: t2 - t1 } };
}

/** Diff and plan one resource from what was observed (pure apart from the controller's code). */
export function planOne(
  r: Resource,
  ctx: Pick<PlanContext, 'lookup'>,
  observed: Map<ResourceId, unknown>,
  observeError?: string,
): ResourcePlan {
  const sensitive = r.spec.sensitive === true;
  const seen = observed.get(r.id);
  if (observeError !== undefined) return entry(r, sensitive, 'error', [], [], '', observeError);
  const controller = ctx.lookup(r.kind);
  let fp = fingerprint(sensitive ? withoutContents(seen) : seen);
  try {
    const changes = controller?.diff(r.spec, seen) ?? [];
    if (changes.length === 0) return entry(r, sensitive, 'converged', changes, [], fp);
    const actions = (controller?.plan(changes, r.spec, seen) ?? []).map((a) =>
      a.resource ? a : { ...a, resource: r.id },
    );
    if (!sensitive && actions.some((a) => a.sensitive)) {
      fp = fingerprint(withoutContents(seen));
      return entry(r, true, statusOf(changes), changes, actions, fp);
    }
    return entry(r, sensitive, statusOf(changes), changes, actions, fp);
  } catch (e) {
    return entry(r, sensitive, 'error', [], [], fp, `plan failed: ${errorText(e)}`);
  }
}

/**
 * One plan entry, built as a literal (thousands per plan: spreads of a base object were a visible
 * part of the diff phase). Keys keep the order --json has always printed: id, kind, name, source,
 * sensitive (only when true), status, changes, actions, fingerprint, error (only when set).
 */
function entry(
  r: Resource,
  sensitive: boolean,
  status: PlanStatus,
  changes: Change[],
  actions: Action[],
  fingerprint: string,
  error?: string,
): ResourcePlan {
  const { id, kind, name, source } = r;
  const e: ResourcePlan = sensitive
    ? { id, kind, name, source, sensitive, status, changes, actions, fingerprint }
    : { id, kind, name, source, status, changes, actions, fingerprint };
  if (error !== undefined) e.error = error;
  return e;
}

/** create / remove when the resource's existence changes, else change. */
export function statusOf(all: Change[]): PlanStatus {
  // What cannot be observed here is reported, not pending: a run could never converge it.
  const changes = all.filter((c) => c.unobservable === undefined);
  if (changes.length === 0) return 'converged';
  const existence = changes.find((c) => ['state', 'ensure', 'exists', 'present'].includes(c.field));
  if (existence) {
    const gone = (v: unknown) =>
      v === 'absent' || v === false || v === null || v === undefined || v === 'missing';
    if (gone(existence.after)) return 'remove';
    if (gone(existence.before)) return 'create';
  }
  return 'change';
}

/**
 * sha256 over each resource's id, observed fingerprint and actions, plus root and selection. A
 * sensitive resource enters with its contents left out (fingerprint and actions both): the hash is
 * published with the plan, and everything else that goes into it is published too, so a hash over
 * a short secret could be brute-forced (docs/decisions/071). Its drift still shows through what
 * observe reports about it (exists, same-content flag, mode, owner).
 */
export function planHash(plan: Pick<Plan, 'root' | 'only' | 'resources'>): string {
  return sha256(
    canonicalJson({
      root: plan.root,
      only: plan.only,
      resources: plan.resources.map((r) => ({
        id: r.id,
        fingerprint: r.fingerprint,
        actions: r.sensitive ? r.actions.map(redactAction) : r.actions,
        error: r.error,
      })),
    }),
  );
}

/** Observed state without the fields that may carry a file's body (for sensitive resources). */
const contentKeys = new Set(['content', 'sourceContent', 'current', 'text', 'before', 'after']);
export function withoutContents(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutContents);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!contentKeys.has(k)) out[k] = withoutContents(v);
  }
  return out;
}

const hidden = '(sensitive)';

/** The plan as it may be printed, saved or recorded: contents of sensitive resources hidden. */
export function publicPlan(plan: Plan): Plan {
  return { ...plan, resources: plan.resources.map(publicResourcePlan) };
}

/** Args that name things rather than carry contents stay visible in a redacted action. */
const namingArgs = new Set(['path', 'name', 'mode', 'owner', 'group', 'target', 'recursive', 'parents']);

export function publicResourcePlan(r: ResourcePlan): ResourcePlan {
  if (!r.sensitive && !r.actions.some((a) => a.sensitive)) return r;
  return {
    ...r,
    changes: r.sensitive
      ? r.changes.map((c) =>
          c.field === 'content' || c.field === 'source' || c.diff !== undefined
            ? { field: c.field, before: hidden, after: hidden }
            : c,
        )
      : r.changes,
    actions: r.actions.map((a) => (r.sensitive || a.sensitive ? redactAction(a) : a)),
  };
}

export function redactAction(a: Action): Action {
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a.args)) args[k] = namingArgs.has(k) ? v : hidden;
  return { ...a, args };
}

export function pendingCount(plan: Plan): number {
  return plan.resources.filter((r) => r.status !== 'converged').length;
}

export async function forEachLimit<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
