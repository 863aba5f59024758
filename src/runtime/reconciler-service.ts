// The daemon's side of the reconcile loop: holds the last good specs, watches every path a resource
// manages, turns file events into resource ids on the work queue, and runs the same `reconcile` the
// CLI runs (only those ids, so drift on one file repairs one resource). A full resync runs every
// [controller] resync_interval for what cannot be watched (packages, services, users).
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import type { ConfirmOutcome } from '../agents/agent-types.js';
import { intentStep, intentStepLine, intentTools } from '../agents/intent-tool.js';
import { parseDuration } from '../config/duration.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { EffectivePaths } from '../config/paths.js';
import { RootPath } from '../host/root-path.js';
import { redactValue } from '../memory/redact.js';
import { type DesiredState, loadDesiredState } from '../reconcile/desired-state.js';
import { createEngine, type Engine } from '../reconcile/engine.js';
import { makePlan, publicPlan, redactAction } from '../reconcile/plan.js';
import { managedPaths, reconcile } from '../reconcile/reconcile.js';
import type { RunReport } from '../reconcile/run-types.js';
import type { Action, Decision, ResourceId } from '../types.js';
import { ApprovalsQueue } from './approvals-queue.js';
import type { Logger } from './logger.js';
import type { DaemonMetrics } from './metrics.js';
import { type BatchOutcome, WorkQueue } from './work-queue.js';

/** Temp files of src/host/atomic-write.ts (`.NAME.aios-HEX.tmp`). */
const AIOS_TEMP = /\/\.[^/]*\.aios-[0-9a-f]+\.tmp$/;

export interface ConfigSource {
  loaded(): LoadedConfig;
  paths(): EffectivePaths;
}

/** What `aios apply` sends over the socket besides the resource selection. */
export interface ApplyRequest {
  dryRun?: boolean;
  yes?: boolean;
  expectedHash?: string;
  /** Read every managed file instead of trusting unchanged ones (`aios apply --full`). */
  full?: boolean;
}

export interface SpecsState {
  files: string[];
  resources: number;
  last_error: { at: string; message: string } | null;
  last_run: {
    at: string;
    trigger: string;
    exit_code: number;
    counts: RunReport['counts'];
    duration_ms: number;
  } | null;
  next_resync: string | null;
  watched_paths: number;
  drift_repairs: number;
}

export class ReconcilerService {
  private desired: DesiredState | undefined;
  private lastError: SpecsState['last_error'] = null;
  private lastRun: SpecsState['last_run'] = null;
  private specsWatcher: FSWatcher | undefined;
  private pathsWatcher: FSWatcher | undefined;
  private pathToIds = new Map<string, ResourceId[]>();
  private resyncTimer: NodeJS.Timeout | undefined;
  /** The next run reads every managed file (set by the periodic resync). */
  private fullReadNext = false;
  private nextResync: Date | undefined;
  private driftRepairs = 0;
  /** Serialises every run that may write: queue batches and apply RPCs. */
  private lock: Promise<unknown> = Promise.resolve();
  private readonly eventTimes = new Map<ResourceId, number>();
  readonly queue: WorkQueue;
  private approvals: ApprovalsQueue | undefined;
  /** One engine per config generation: registry, gate, memory and store are opened once, not per event. */
  private engine: Promise<Engine> | undefined;
  /** The running apply came with --yes: the intent agent's confirm-rules are approved too. */
  private agentYes = false;
  /** The running apply's progress stream (intent steps are sent on it too). */
  private runProgress: ((e: unknown) => void) | undefined;
  /**
   * The intent tool's retry token for the running pass: the daemon's own passes share one until a
   * person decides an approval, so a given-up intent does not call the model on every retry.
   */
  private intentToken = '';
  private approvalsDecided = 0;
  private explicitApplies = 0;

  constructor(
    private readonly config: ConfigSource,
    private readonly log: Logger,
    private readonly metrics: DaemonMetrics,
  ) {
    this.queue = new WorkQueue((ids) => this.runBatch(ids), {
      debounceMs: config.loaded().config.runtime.debounce_ms,
      onError: (e) =>
        this.log.error('reconcile', `batch failed: ${e instanceof Error ? e.message : String(e)}`),
    });
  }

  /** Drop the cached engine (config reloaded); the next run builds one from the new config. */
  invalidateEngine(): void {
    const old = this.engine;
    this.engine = undefined;
    void this.lock.then(async () => (await old)?.close());
  }

  private getEngine(): Promise<Engine> {
    this.engine ??= createEngine({
      loaded: this.config.loaded(),
      paths: this.config.paths(),
      trigger: 'daemon',
      warn: (m) => this.log.warn('reconcile', m),
      // Intents: the agent's confirm-rules wait in the approvals queue like the plan's.
      extraTools: intentTools({
        config: this.config.loaded().config,
        confirm: (action, decision) => this.agentConfirm(action, decision),
        retryToken: () => this.intentToken,
        // Logged, and streamed to an `aios apply` waiting on the socket.
        onEvent: (e) => {
          const step = intentStep(e);
          if (!step) return;
          this.log.info('intent', intentStepLine(step));
          this.runProgress?.({ type: 'intent', step });
        },
      }),
    });
    return this.engine;
  }

  private async agentConfirm(action: Action, decision: Decision): Promise<ConfirmOutcome> {
    if (this.agentYes) return { outcome: 'approved' };
    const held = await this.holdApproval(action, decision);
    if (held.approved) return { outcome: 'approved' };
    return held.id ? { outcome: 'queued', approvalId: held.id } : { outcome: 'denied' };
  }

  /** Load (or reload) the specs; a broken edit keeps the last good desired state. */
  async loadSpecs(trigger: string): Promise<boolean> {
    try {
      const paths = this.config.paths();
      this.desired = await loadDesiredState(paths.specsDir, { cacheDir: paths.dataDir });
      this.lastError = null;
      this.log.info('specs', `loaded ${this.desired.graph.order.length} resource(s) (${trigger})`, {
        files: this.desired.files.length,
      });
      await this.watchManagedPaths();
      return true;
    } catch (error) {
      this.lastError = {
        at: new Date().toISOString(),
        message: error instanceof Error ? error.message : String(error),
      };
      this.metrics.configLoadErrors.inc();
      this.log.error('specs', `rejected (${trigger}); keeping the last good specs`, {
        error: this.lastError.message,
      });
      return false;
    }
  }

  async start(): Promise<void> {
    const { config } = this.config.loaded();
    this.approvals = await ApprovalsQueue.open(
      path.join(this.config.paths().dataDir, 'approvals.json'),
      parseDuration(config.security.approval_timeout),
    );
    await this.loadSpecs('start');
    if (this.config.loaded().config.controller.watch) await this.watchSpecs();
    this.scheduleResync();
    this.queueAll();
  }

  async stop(): Promise<void> {
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    await this.queue.stop();
    await this.lock;
    await this.specsWatcher?.close();
    await this.pathsWatcher?.close();
    (await this.engine)?.close();
  }

  queueAll(): void {
    if (this.desired) this.queue.addAll(this.desired.graph.order.map((r) => r.id));
  }

  state(): SpecsState {
    return {
      files: this.desired?.files ?? [],
      resources: this.desired?.graph.order.length ?? 0,
      last_error: this.lastError,
      last_run: this.lastRun,
      next_resync: this.nextResync?.toISOString() ?? null,
      watched_paths: this.pathToIds.size,
      drift_repairs: this.driftRepairs,
    };
  }

  /** `diff` RPC: the same planning code as `aios diff`. */
  async diff(only: ResourceId[] = []): Promise<unknown> {
    const desired = this.requireDesired();
    const engine = await this.getEngine();
    const { plan } = await makePlan(desired.graph.order, engine.deps, only);
    // What leaves the daemon is the public plan: sensitive contents never cross the socket.
    return publicPlan(plan);
  }

  /** `apply` RPC and queue batches: one run at a time. */
  apply(
    only: ResourceId[],
    trigger: string,
    onProgress?: (e: unknown) => void,
    request: ApplyRequest = {},
    external: ResourceId[] = [],
  ): Promise<RunReport> {
    const run = this.lock.then(async () => {
      const desired = this.requireDesired();
      const started = performance.now();
      const engine = await this.getEngine();
      this.agentYes = Boolean(request.yes);
      this.intentToken =
        trigger === 'daemon' ? `pass:${this.approvalsDecided}` : `apply:${++this.explicitApplies}`;
      this.runProgress = onProgress;
      // The periodic resync reads every file, as `--full` does: the daemon is the deep check that
      // catches what no file event reported (decision 183).
      const stamps = engine.deps.stamps;
      if (stamps) stamps.full = request.full === true || this.fullReadNext;
      this.fullReadNext = false;
      const deps = {
        ...engine.deps,
        // Nobody sits at a daemon's terminal: a confirm verdict waits in the approvals queue and
        // the resource stays blocked until a person approves; approved actions run next pass.
        // `aios apply --yes` through the socket approves them for its own run, as it would in process.
        confirm: (action: Action, decision: Decision) =>
          request.yes ? Promise.resolve(true) : this.consultApproval(action, decision),
        ...(onProgress ? { onProgress } : {}),
      };
      {
        let report: RunReport;
        try {
          report = await reconcile(desired.graph, deps, {
            only,
            trigger,
            ...(request.dryRun ? { dryRun: true } : {}),
            ...(request.expectedHash ? { expectedHash: request.expectedHash } : {}),
            ...(external.length > 0 ? { external } : {}),
          });
        } finally {
          this.runProgress = undefined;
          if (stamps) stamps.full = false;
          engine.saveStamps();
        }
        this.lastRun = {
          at: new Date().toISOString(),
          trigger,
          exit_code: report.exitCode,
          counts: report.counts,
          duration_ms: Math.round(performance.now() - started),
        };
        this.metrics.reconcileSeconds.observe(
          { trigger: trigger.split(':')[0] ?? trigger },
          report.durationMs / 1000,
        );
        for (const d of report.decisions) this.metrics.decisions.inc({ verdict: d.verdict });
        return report;
      }
    });
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async consultApproval(action: Action, decision: Decision): Promise<boolean> {
    return (await this.holdApproval(action, decision)).approved;
  }

  private async holdApproval(
    action: Action,
    decision: Decision,
  ): Promise<{ approved: boolean; id?: string }> {
    const q = this.approvals;
    if (!q) return { approved: false };
    // Only the key needs the exact action; what is kept and shown hides secrets and sensitive contents.
    const shown = action.sensitive ? redactAction(action) : redactValue(action);
    const { approved, approval, created } = q.consult(action, decision, shown);
    if (created) {
      this.log.info(
        'approvals',
        `held ${approval.id}: ${action.tool} for ${action.resource ?? '-'} (rule ${decision.rule})`,
      );
    }
    this.metrics.approvalsPending.set(q.list().length);
    await q.save();
    return { approved, id: approval.id };
  }

  listApprovals(all = false): unknown[] {
    const list = this.approvals?.list(all) ?? [];
    this.metrics.approvalsPending.set(this.approvals?.list().length ?? 0);
    return list;
  }

  async decideApproval(id: string, answer: 'approved' | 'denied'): Promise<unknown> {
    const q = this.approvals;
    if (!q) throw new Error('approvals are not available');
    const a = q.decide(id, answer);
    this.approvalsDecided++;
    await q.save();
    this.log.info('approvals', `${a.id} ${answer}`);
    this.metrics.approvalsPending.set(q.list().length);
    // Approved actions run in the next pass of their resource.
    if (answer === 'approved' && a.action.resource) this.queue.add(a.action.resource);
    return a;
  }

  /** Run `fn` when no apply runs, and hold applies off until it is done (restores write too). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private requireDesired(): DesiredState {
    if (!this.desired)
      throw new Error(`no valid specs loaded${this.lastError ? `: ${this.lastError.message}` : ''}`);
    return this.desired;
  }

  private async runBatch(ids: string[]): Promise<BatchOutcome> {
    const known = new Set(this.desired?.graph.order.map((r) => r.id) ?? []);
    const only = ids.filter((id) => known.has(id));
    const outcome: BatchOutcome = new Map();
    if (only.length === 0) return outcome;
    const batchStart = performance.now();
    // Ids a watcher reported were changed by someone else; the rest come from resyncs and reloads.
    const external = only.filter((id) => this.eventTimes.has(id));
    const report = await this.apply(only, 'daemon', undefined, {}, external);
    const now = performance.now();
    this.log.debug('reconcile', `batch of ${only.length}`, {
      waited_ms: Math.round(
        batchStart - Math.min(...only.map((id) => this.eventTimes.get(id) ?? batchStart)),
      ),
      run_ms: Math.round(now - batchStart),
      timings: report.timings,
    });
    for (const r of report.resources) {
      if (r.status === 'changed') {
        const seen = this.eventTimes.get(r.id);
        if (seen !== undefined) {
          this.driftRepairs++;
          this.metrics.repairSeconds.observe((now - seen) / 1000);
          this.log.info('drift', `repaired ${r.id} (changed outside aios)`, { ms: Math.round(now - seen) });
        }
      }
      if (r.status === 'failed') {
        outcome.set(r.id, 'retry');
        this.log.warn('reconcile', `${r.id} failed: ${r.error ?? ''}`);
      }
      // An event that arrived while this batch ran is news for the next one: keep it.
      if ((this.eventTimes.get(r.id) ?? 0) <= batchStart) this.eventTimes.delete(r.id);
    }
    const states: Record<string, number> = { converged: 0, failed: 0, blocked: 0, skipped: 0 };
    for (const r of report.resources) {
      const key = r.status === 'changed' || r.status === 'unchanged' ? 'converged' : r.status;
      states[key] = (states[key] ?? 0) + 1;
    }
    for (const [state, n] of Object.entries(states)) this.metrics.resources.set({ state }, n);
    const metricsFile = this.config.loaded().config.runtime.metrics_file;
    if (metricsFile) {
      await this.metrics.writeTextfile(metricsFile).catch((e: unknown) => {
        this.log.warn(
          'metrics',
          `cannot write ${metricsFile}: ${e instanceof Error ? e.message : String(e)}`,
        );
      });
    }
    return outcome;
  }

  private async watchSpecs(): Promise<void> {
    const { watch } = await import('chokidar');
    const dir = this.config.paths().specsDir;
    this.specsWatcher = watch(dir, { ignoreInitial: true, depth: 8 });
    let timer: NodeJS.Timeout | undefined;
    this.specsWatcher.on('all', (_event, file) => {
      if (!file.endsWith('.toml') && path.extname(file) !== '') return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(async () => {
        if (await this.loadSpecs('spec changed')) this.queueAll();
      }, 50);
    });
    await new Promise<void>((resolve) => this.specsWatcher?.once('ready', () => resolve()));
  }

  /** Watch the parent directory of every managed path: atomic rename-over and re-creation are seen too. */
  private async watchManagedPaths(): Promise<void> {
    const desired = this.desired;
    if (!desired || !this.config.loaded().config.controller.watch) return;
    const root = new RootPath(this.config.paths().root);
    const map = new Map<string, ResourceId[]>();
    const { deps } = await this.getEngine();
    for (const r of desired.graph.order) {
      for (const p of managedPaths(r, deps)) {
        const real = root.real(p);
        map.set(real, [...(map.get(real) ?? []), r.id]);
      }
    }
    this.pathToIds = map;
    const dirs = [...new Set([...map.keys()].map((p) => path.dirname(p)))];
    await this.pathsWatcher?.close();
    if (dirs.length === 0) return;
    const { watch } = await import('chokidar');
    // Our own atomic writes pass through temp files beside the target: never worth an event.
    // (chokidar rescans a watched directory on rename events: with 1000 files in one directory that
    // is most of a repair's 50 ms; see bench/daemon/README.md.)
    this.pathsWatcher = watch(dirs, {
      ignoreInitial: true,
      depth: 0,
      ignored: (p: string) => AIOS_TEMP.test(p),
    });
    this.pathsWatcher.on('all', (_event, file) => {
      const ids = this.pathToIds.get(file);
      if (!ids) return;
      const now = performance.now();
      for (const id of ids) if (!this.eventTimes.has(id)) this.eventTimes.set(id, now);
      this.queue.addAll(ids);
    });
    await new Promise<void>((resolve) => this.pathsWatcher?.once('ready', () => resolve()));
  }

  private scheduleResync(): void {
    let ms: number;
    try {
      ms = parseDuration(this.config.loaded().config.controller.resync_interval);
    } catch {
      ms = 5 * 60_000;
    }
    this.nextResync = new Date(Date.now() + ms);
    this.resyncTimer = setTimeout(() => {
      this.fullReadNext = true;
      this.queueAll();
      this.scheduleResync();
    }, ms);
    this.resyncTimer.unref();
  }
}
