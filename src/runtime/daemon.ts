// The daemon's lifecycle: claims the socket, serves JSON-RPC, watches the config (and, as the
// reconciler lands, the specs and managed paths), hot-reloads only what validates, and drains on
// SIGTERM. It holds the last good config; a broken edit is reported in `status`, never applied.
import fs from 'node:fs';
import type { FSWatcher } from 'chokidar';
import type { BackgroundIndexer } from '../agents/background-indexer.js';
import { parseDuration } from '../config/duration.js';
import { type LoadedConfig, loadConfig } from '../config/load-config.js';
import { type EffectivePaths, effectivePaths } from '../config/paths.js';
import { spawnRunner } from '../host/process-runner.js';
import { type MemoryStore, openMemory } from '../memory/memory-store.js';
import { MEMORY_KINDS, type MemoryKind } from '../memory/migrations.js';
import { forgetLoadedPolicies } from '../policy/policy-loader.js';
import { gateFromConfig } from '../reconcile/engine.js';
import { createSnapshotScheduler, type SnapshotScheduler } from '../recovery/scheduler.js';
import { openSnapshotStore, type SnapshotStore } from '../recovery/snapshot-store.js';
import { storeOptionsFromConfig } from '../recovery/store-config.js';
import { ChatHost } from './chat-rpc.js';
import { gatherHostInfo } from './host-info.js';
import type { Logger } from './logger.js';
import { memorySearchHandler } from './memory-search-rpc.js';
import { DaemonMetrics } from './metrics.js';
import { ReconcilerService, type SpecsState } from './reconciler-service.js';
import { RpcError, type RpcHandler, type RpcServer, startRpcServer } from './rpc-server.js';
import { claimSocketPath } from './socket-guard.js';

export interface DaemonOptions {
  configPath?: string | undefined;
  root?: string | undefined;
  socketPath?: string | undefined;
  env?: NodeJS.ProcessEnv;
  log: Logger;
  /** Serve the socket only (tests of the protocol). */
  noReconcile?: boolean;
}

export interface LoadError {
  at: string;
  message: string;
}

export interface DaemonStatus {
  running: true;
  pid: number;
  started_at: string;
  uptime_s: number;
  socket: string;
  config_files: string[];
  specs_dir: string;
  root: string;
  last_load_error: LoadError | null;
  reloads: number;
  watch: boolean;
  specs: SpecsState | null;
  snapshots: {
    enabled: boolean;
    schedule: string | null;
    last_scheduled: string | null;
    last_error: string | null;
  };
}

export class Daemon {
  private loaded!: LoadedConfig;
  private paths!: EffectivePaths;
  private server: RpcServer | undefined;
  private watcher: FSWatcher | undefined;
  private lastLoadError: LoadError | null = null;
  private reloads = 0;
  private readonly startedAt = new Date();
  readonly metrics = new DaemonMetrics();
  private readonly methods: Record<string, RpcHandler>;
  private reconciler: ReconcilerService | undefined;
  private store: SnapshotStore | undefined;
  private scheduler: SnapshotScheduler | undefined;
  private snapshotError: string | null = null;
  private chat: ChatHost | undefined;
  private indexer: BackgroundIndexer | undefined;

  constructor(private readonly options: DaemonOptions) {
    this.methods = {
      ping: async () => 'pong',
      status: async () => this.status(),
      info: async () => ({
        ...gatherHostInfo(this.loaded, this.paths),
        daemon: { pid: process.pid, started_at: this.startedAt.toISOString() },
      }),
      'config.reload': async () => this.reload('rpc'),
      metrics: async () => ({ text: await this.metrics.text() }),
      diff: async (p) => this.requireReconciler().diff(ids(p.only)),
      // The reconciler's held actions and the agent's (chat-rpc.ts), one list, one way to decide.
      'approvals.list': async (p) => [
        ...this.requireReconciler().listApprovals(p.all === true),
        ...((await this.chat?.listApprovals(p.all === true)) ?? []),
      ],
      'approvals.decide': async (p) => {
        const answer =
          p.answer === 'approved' || p.answer === 'approve'
            ? 'approved'
            : p.answer === 'denied' || p.answer === 'deny'
              ? 'denied'
              : undefined;
        if (typeof p.id !== 'string' || !answer)
          throw new RpcError(-32602, 'approvals.decide needs {id, answer: "approved" | "denied"}');
        try {
          const chat = await this.chat?.decideApproval(p.id, answer);
          return chat ?? (await this.requireReconciler().decideApproval(p.id, answer));
        } catch (error) {
          throw new RpcError(-32000, error instanceof Error ? error.message : String(error));
        }
      },
      'snapshot.create': async (p) => {
        const store = this.snapshotStore();
        const s = await store.snapshot({
          kind: 'manual',
          description: typeof p.description === 'string' ? p.description : 'manual (daemon)',
          trigger: 'rpc',
        });
        // The CLI renders this exactly as its in-process snapshot: where, and what was skipped.
        return { ...s, storeDir: store.storeDir, skipped: store.get(s.id).skipped };
      },
      'snapshot.list': async () => this.snapshotStore().list(),
      'snapshot.store': async () => {
        const store = this.snapshotStore();
        return { storeDir: store.storeDir, enabled: store.enabled };
      },
      'snapshot.diff': async (p) =>
        this.snapshotStore().diff(String(p.a), typeof p.b === 'string' ? p.b : undefined),
      'snapshot.restore': async (p) => {
        const store = this.snapshotStore();
        const restore = () =>
          store.restore(String(p.id), {
            dryRun: p.dry_run === true,
            keepNew: p.keep_new === true,
            ...(Array.isArray(p.paths) ? { paths: ids(p.paths) } : {}),
          });
        // A restore writes the managed tree: never at the same time as an apply.
        return this.reconciler ? this.reconciler.exclusive(restore) : restore();
      },
      'memory.search': memorySearchHandler({
        memory: () => this.memory(),
        config: () => this.loaded.config,
        env: this.options.env,
      }),
      history: async (p) => {
        if (p.kind !== undefined && !(MEMORY_KINDS as unknown[]).includes(p.kind)) {
          throw new RpcError(-32602, `history: kind must be one of ${MEMORY_KINDS.join(', ')}`);
        }
        return this.memory().history({
          limit: typeof p.limit === 'number' ? p.limit : 50,
          ...(typeof p.kind === 'string' ? { kind: p.kind as MemoryKind } : {}),
        });
      },
      apply: async (p, ctx) =>
        this.requireReconciler().apply(ids(p.only), 'apply', (event) => ctx.notify('progress', event), {
          dryRun: p.dry_run === true,
          yes: p.yes === true,
          full: p.full === true,
          ...(typeof p.expected_hash === 'string' ? { expectedHash: p.expected_hash } : {}),
        }),
    };
  }

  /** Register a JSON-RPC method (the reconciler, snapshots and agent plug in here). */
  handle(method: string, handler: RpcHandler): void {
    this.methods[method] = handler;
  }

  get socketPath(): string {
    return this.options.socketPath ?? this.paths.socketPath;
  }

  async start(): Promise<void> {
    // The first load must succeed: there is no last good config to fall back to.
    this.loaded = await this.load();
    this.paths = effectivePaths(this.loaded, this.options.env ?? process.env);
    await claimSocketPath(this.socketPath);
    this.server = await startRpcServer({
      socketPath: this.socketPath,
      methods: this.methods,
      onError: (method, error) =>
        this.options.log.error('rpc', `${method} failed`, {
          error: error instanceof Error ? error.message : String(error),
        }),
    });
    if (this.loaded.config.controller.watch) await this.watch();
    // The agent: chat RPCs always (they answer with one line when no key is set); the system agent
    // only beside the reconciler whose failures it diagnoses.
    this.chat = new ChatHost({
      loaded: () => this.loaded,
      paths: () => this.paths,
      env: this.options.env ?? process.env,
      log: this.options.log,
      systemAgent: !this.options.noReconcile,
      onTurnDone: () => this.indexer?.kick(),
    });
    for (const [method, handler] of Object.entries(this.chat.methods())) this.handle(method, handler);
    if (!this.options.noReconcile) {
      this.reconciler = new ReconcilerService(
        { loaded: () => this.loaded, paths: () => this.paths },
        this.options.log,
        this.metrics,
      );
      await this.reconciler.start();
      await this.startSnapshots();
    }
    await this.chat.start();
    await this.startIndexer();
    // Logged last: tests and readiness checks take this line to mean "fully up".
    this.options.log.info('daemon', `listening on ${this.socketPath}`, { pid: process.pid });
  }

  async stop(): Promise<void> {
    // Finish the resource in flight, take no more work, then close the socket.
    if (this.indexTimer) clearInterval(this.indexTimer);
    await this.indexer?.stop();
    await this.chat?.stop();
    await this.reconciler?.stop();
    await this.scheduler?.stop();
    this.store?.close();
    this.memoryStore?.close();
    await this.watcher?.close();
    await this.server?.close();
    try {
      fs.unlinkSync(this.socketPath);
    } catch {
      // already gone
    }
    this.options.log.info('daemon', 'stopped');
  }

  /** Validate the config again; swap it in only when it loads. */
  async reload(trigger: string): Promise<{ ok: boolean; error?: LoadError }> {
    try {
      const next = await this.load();
      // Policy rule files are validated (syntax, examples) before anything is swapped in.
      forgetLoadedPolicies();
      await gateFromConfig(next, effectivePaths(next, this.options.env ?? process.env));
      this.loaded = next;
      this.paths = effectivePaths(next, this.options.env ?? process.env);
      this.lastLoadError = null;
      this.reloads++;
      this.options.log.info('config', `reloaded (${trigger})`, { files: next.files });
      this.reconciler?.invalidateEngine();
      this.chat?.invalidate();
      this.indexer?.kick();
      if (this.reconciler && (await this.reconciler.loadSpecs(trigger))) this.reconciler.queueAll();
      return { ok: true };
    } catch (error) {
      this.lastLoadError = {
        at: new Date().toISOString(),
        message: error instanceof Error ? error.message : String(error),
      };
      this.metrics.configLoadErrors.inc();
      this.options.log.error('config', `rejected (${trigger}); keeping the last good config`, {
        error: this.lastLoadError.message,
      });
      return { ok: false, error: this.lastLoadError };
    }
  }

  status(): DaemonStatus {
    return {
      running: true,
      pid: process.pid,
      started_at: this.startedAt.toISOString(),
      uptime_s: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
      socket: this.socketPath,
      config_files: this.loaded.files,
      specs_dir: this.paths.specsDir,
      root: this.paths.root,
      last_load_error: this.lastLoadError,
      reloads: this.reloads,
      watch: this.watcher !== undefined,
      specs: this.reconciler?.state() ?? null,
      snapshots: {
        enabled: this.scheduler?.enabled ?? false,
        schedule: this.scheduler?.cron ?? null,
        last_scheduled: this.store?.latest('scheduled')?.time ?? null,
        last_error: this.snapshotError,
      },
    };
  }

  /** [recovery] snapshot_interval as a cron job, with one catch-up at start for a missed run. */
  private async startSnapshots(): Promise<void> {
    const { config } = this.loaded;
    if (!config.recovery.enabled) {
      this.options.log.info('snapshots', 'automatic snapshots are off ([recovery] enabled = false)');
      return;
    }
    const store = this.snapshotStore();
    this.scheduler = createSnapshotScheduler({
      interval: config.recovery.snapshot_interval,
      snapshotter: store,
      enabled: config.recovery.enabled,
      lastScheduled: () => {
        const t = store.latest('scheduled')?.time;
        return t ? new Date(t) : undefined;
      },
      onSnapshot: (s, reason) => {
        this.snapshotError = null;
        this.metrics.snapshotBytes.set({ kind: 'scheduled' }, s.bytes);
        this.options.log.info('snapshots', `${reason} snapshot ${s.id}`, {
          files: s.files,
          changed: s.changed,
        });
      },
      onError: (e) => {
        this.snapshotError = e instanceof Error ? e.message : String(e);
        this.options.log.error('snapshots', `scheduled snapshot failed: ${this.snapshotError}`);
      },
    });
    await this.scheduler.start();
  }

  /** The snapshot store, opened on first use (manual snapshots work even with recovery disabled). */
  /**
   * Keeps semantic search warm: rows written by chats, runs and drift get their vectors a moment
   * later instead of on the next `aios search`. Without [llm] embedding_model it does nothing.
   */
  private async startIndexer(): Promise<void> {
    const [{ BackgroundIndexer }, { chooseEmbedder }] = await Promise.all([
      import('../agents/background-indexer.js'),
      import('../agents/semantic-search.js'),
    ]);
    const env = this.options.env ?? process.env;
    this.indexer = new BackgroundIndexer({
      memory: () => this.memory(),
      embedder: () => {
        const choice = chooseEmbedder(this.loaded.config, { env });
        return 'embedder' in choice ? choice.embedder : undefined;
      },
      onNotice: (message) => this.options.log.info('memory', message),
      onError: (message) => this.options.log.warn('memory', `vector indexing: ${message}`),
    });
    this.indexer.kick();
    // Reconcile runs and drift write rows too; index them on the resync rhythm.
    let every = 300_000;
    try {
      every = Math.max(60_000, parseDuration(this.loaded.config.controller.resync_interval));
    } catch {
      // the config was validated on load; keep the default rhythm
    }
    this.indexTimer = setInterval(() => this.indexer?.kick(), every);
    this.indexTimer.unref();
  }

  private indexTimer: NodeJS.Timeout | undefined;

  private snapshotStore(): SnapshotStore {
    this.store ??= openSnapshotStore(storeOptionsFromConfig(this.loaded.config, this.paths, spawnRunner));
    return this.store;
  }

  private memoryStore: MemoryStore | undefined;

  private memory(): MemoryStore {
    this.memoryStore ??= openMemory(this.paths.memoryPath);
    return this.memoryStore;
  }

  private requireReconciler(): ReconcilerService {
    if (!this.reconciler) throw new RpcError(-32601, 'this daemon runs without the reconciler');
    return this.reconciler;
  }

  config(): LoadedConfig {
    return this.loaded;
  }

  private load(): Promise<LoadedConfig> {
    return loadConfig({
      configPath: this.options.configPath,
      env: this.options.env ?? process.env,
      flags: { root: this.options.root },
    });
  }

  /** The config files in effect and the policy dirs: an edit of either is validated, then swapped in. */
  private async watch(): Promise<void> {
    const targets = [...this.loaded.files, ...this.paths.policiesDirs.filter((d) => fs.existsSync(d))];
    if (targets.length === 0) return;
    const { watch } = await import('chokidar');
    this.watcher = watch(targets, { ignoreInitial: true, depth: 2 });
    let timer: NodeJS.Timeout | undefined;
    this.watcher.on('all', () => {
      // Editors save in several steps; wait for the burst to end.
      if (timer) clearTimeout(timer);
      timer = setTimeout(
        () => void this.reload('config or policy changed'),
        this.loaded.config.runtime.debounce_ms + 30,
      );
    });
    await new Promise<void>((resolve) => this.watcher?.once('ready', () => resolve()));
  }
}

function ids(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function notServedYet(method: string, part: string): RpcHandler {
  return async () => {
    throw new RpcError(-32601, `${method} is not served by the daemon yet (${part})`);
  };
}
