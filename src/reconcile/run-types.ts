// Plain-data shapes of one reconcile run: what the loop reports, records and streams as progress.
// No behaviour here, so the CLI, the daemon and the memory recorder can share them.
import type { Decision, ResourceId } from '../types.js';
import type { Plan, ResourcePlan } from './plan.js';

export type OutcomeStatus =
  | 'unchanged'
  | 'changed'
  | 'failed'
  | 'blocked'
  | 'skipped'
  /** Dry run: would change. */
  | 'pending';

export interface DecisionRecord {
  tool: string;
  resource?: ResourceId;
  verdict: Decision['verdict'];
  rule: string;
  reason: string;
  /** For confirm verdicts: what the person (or --yes) answered. */
  confirmed?: boolean;
}

export interface ResourceOutcome {
  id: ResourceId;
  kind: string;
  status: OutcomeStatus;
  plan: ResourcePlan;
  error?: string;
  /** The rule that blocked it. */
  rule?: string;
  /** Why it was skipped: the dependency that failed or was blocked. */
  skippedBecause?: ResourceId;
  durationMs: number;
}

/** One tool call the run made, with contents left out (only naming args: path, name, mode...). */
export interface ExecutedAction {
  tool: string;
  resource?: ResourceId;
  args: Record<string, unknown>;
  ok: boolean;
  exitCode?: number;
  durationMs: number;
  /** First line(s) of the tool's output or error, short. */
  summary: string;
  /** Ran because a notifier changed (restart/reload), not to converge the resource itself. */
  notify?: boolean;
}

export interface NotifyOutcome {
  target: ResourceId;
  from: ResourceId[];
  status: 'done' | 'failed' | 'blocked' | 'pending';
  error?: string;
  rule?: string;
}

export interface RollbackReport {
  snapshot: string;
  paths: string[];
  restored: string[];
  removed: string[];
  error?: string;
}

export type Phase =
  /** Process start to the command's first line: node itself and the modules the command loads. */
  | 'start'
  /** The config and the spec files. */
  | 'load'
  | 'observe'
  | 'diff'
  | 'gate'
  | 'snapshot'
  | 'apply'
  | 'verify'
  | 'notify'
  | 'record';

export interface RunCounts {
  changed: number;
  unchanged: number;
  failed: number;
  blocked: number;
  skipped: number;
  pending: number;
}

export interface RunReport {
  runId: string;
  startedAt: string;
  durationMs: number;
  dryRun: boolean;
  plan: Plan;
  snapshot?: string;
  rollback?: RollbackReport;
  resources: ResourceOutcome[];
  notified: NotifyOutcome[];
  /** Resources seen changed outside aios before this run (daemon watch events). */
  external?: ResourceId[];
  decisions: DecisionRecord[];
  /** Every tool call, in the order they finished. */
  actions: ExecutedAction[];
  counts: RunCounts;
  timings: Partial<Record<Phase, number>>;
  /** 0 converged, 1 something failed, 3 something was blocked by policy. */
  exitCode: 0 | 1 | 3;
}

export type ProgressEvent =
  /** The plan, before anything is gated or changed (public: sensitive contents hidden). */
  | { type: 'plan'; plan: Plan }
  | { type: 'phase'; phase: Phase; ms: number }
  | { type: 'snapshot'; id: string }
  | { type: 'resource'; outcome: ResourceOutcome }
  | { type: 'notify'; outcome: NotifyOutcome };

/** Where a run is recorded (memory). Must never throw the run away: errors are reported, not fatal. */
export interface RunRecorder {
  record(report: RunReport): Promise<void> | void;
}
