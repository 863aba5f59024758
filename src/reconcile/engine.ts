// Wires the real modules into ReconcileDeps for one run: the tool registry and executeAction, the
// policy gate, the snapshot store, memory, the durable notify queue in data_dir. Used by `aios
// apply`, `aios demo` and the daemon, so all of them reconcile through the same pieces. It does no
// terminal I/O: confirmations and progress arrive as callbacks. The heavy modules (registry, gate,
// snapshot store, SQLite) are imported only when a run needs them: a no-change apply loads none but
// memory, which keeps the common case (a second apply, the daemon's resync) fast.
import os from 'node:os';
import path from 'node:path';
import type { CommandGuard } from '../../controllers/controller.js';
import { controllerFor } from '../../controllers/registry.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { EffectivePaths } from '../config/paths.js';
import { ContentStamps, contentStampsPath } from '../host/content-stamps.js';
import { spawnRunner } from '../host/process-runner.js';
import { RootPath } from '../host/root-path.js';
import type { MemoryStore } from '../memory/memory-store.js';
import type { PolicyGate } from '../policy/gate-types.js';
import type { SnapshotStore } from '../recovery/snapshot-store.js';
import type { Snapshotter } from '../recovery/snapshot-types.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { Tool, ToolContext, ToolResult } from '../tools/tool.js';
import type { Action, Decision } from '../types.js';
import { memoryRecorder } from './memory-recorder.js';
import type { ReconcileDeps } from './reconcile.js';
import type { ProgressEvent, RunReport } from './run-types.js';

export interface EngineOptions {
  loaded: LoadedConfig;
  paths: EffectivePaths;
  /** The policy gate; built from the config when absent. */
  gate?: PolicyGate | undefined;
  /** The snapshot store; opened from the config when absent ([recovery] enabled = false: none). */
  snapshotter?: Snapshotter | undefined;
  confirm?: ((action: Action, decision: Decision) => Promise<boolean>) | undefined;
  onProgress?: ((event: ProgressEvent) => void) | undefined;
  warn?: ((message: string) => void) | undefined;
  /** Recorded as the run's trigger: 'apply', 'demo', 'daemon', ... */
  trigger: string;
  /** Record into memory (default true). */
  record?: boolean;
  /**
   * Read every managed file instead of trusting what earlier runs noted (`--full`); the notes are
   * kept in data_dir either way (src/host/content-stamps.ts, decision 183).
   */
  fullRead?: boolean | undefined;
  /**
   * Opens memory.db for the run's record; the engine then leaves closing it to the caller. The CLI
   * passes its per-process handle, so the run and the command-history row share one connection.
   */
  openMemory?: ((file: string) => Promise<MemoryStore>) | undefined;
  /**
   * Tools built on the engine's own registry, gate and memory and added to the registry actions
   * run through: the intent tool (src/agents/intent-tool.ts), passed in by the CLI and the daemon so
   * this layer never imports the agents. `parts.registry` is the registry without them.
   */
  extraTools?: ((parts: ExtraToolParts) => Tool[] | Promise<Tool[]>) | undefined;
}

export interface ExtraToolParts {
  registry: ToolRegistry;
  gate: PolicyGate;
  /** The engine's memory store, opened on first use; undefined when it cannot be opened. */
  memory: () => Promise<MemoryStore | undefined>;
}

export interface Engine {
  deps: ReconcileDeps;
  /** Writes what this engine's runs noted about managed files (a long-lived daemon, per run). */
  saveStamps(): void;
  close(): void;
}

export const NOTIFY_QUEUE_FILE = 'notify-queue.json';

type GateModule = typeof import('../policy/create-gate.js');
type StoreModules = [
  typeof import('../recovery/snapshot-store.js'),
  typeof import('../recovery/store-config.js'),
];

export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const { config } = opts.loaded;
  const root = new RootPath(opts.paths.root);
  const toolCtx: ToolContext = {
    root,
    runner: spawnRunner,
    sandbox: config.security.sandbox,
    maxOutputBytes: config.tools.max_output_bytes,
  };
  let registry: ToolRegistry | undefined;
  let execute: ((r: ToolRegistry, a: Action, c: ToolContext) => Promise<ToolResult>) | undefined;
  let gateModule: GateModule | undefined;
  let storeModules: StoreModules | undefined;
  let gate = opts.gate;
  let store: SnapshotStore | undefined;
  let memory: MemoryStore | undefined;
  let memoryFailed = false;
  let ownsMemory = false;
  const wantStore = !opts.snapshotter && config.recovery.enabled;
  const stampsFile = contentStampsPath(opts.paths.dataDir, opts.paths.root);
  const stamps = ContentStamps.load(stampsFile, opts.fullRead === true);

  const prepare = async (): Promise<void> => {
    if (!registry) {
      const [reg, exe] = await Promise.all([import('../tools/registry.js'), import('../tools/execute.js')]);
      // With [security] sandbox the registry itself enforces it: every tool runs sandboxed and
      // `.mjs` plugins are never imported into this process.
      const base = await reg.createRegistry({
        pluginsDir: opts.paths.pluginsDir,
        warn: opts.warn,
        sandbox: config.security.sandbox,
        runner: spawnRunner,
      });
      if (opts.extraTools) {
        await loadGate();
        const extra = await opts.extraTools({ registry: base, gate: lazyGate, memory: openMemoryOnce });
        // Built-ins and plugins keep their names: an extra tool cannot shadow one.
        registry = reg.registryOf([...base.list(), ...extra]);
      } else {
        registry = base;
      }
      execute = exe.executeAction;
    }
    await loadGate();
    if (wantStore && !storeModules) {
      storeModules = await Promise.all([
        import('../recovery/snapshot-store.js'),
        import('../recovery/store-config.js'),
      ]);
    }
  };
  const loadGate = async (): Promise<void> => {
    if (!gate && !gateModule) gateModule = await import('../policy/create-gate.js');
  };
  const openStore = async (): Promise<SnapshotStore> => {
    await prepare();
    const [storeMod, configMod] = storeModules as StoreModules;
    store ??= storeMod.openSnapshotStore(configMod.storeOptionsFromConfig(config, opts.paths, spawnRunner));
    return store;
  };
  const snapshotter: Snapshotter | undefined =
    opts.snapshotter ??
    (wantStore
      ? {
          snapshot: async (request) => (await openStore()).snapshot(request),
          restorePaths: async (id, paths) => (await openStore()).restorePaths(id, paths),
        }
      : undefined);
  const lazyGate: PolicyGate = {
    decide: (action, effect) => {
      if (!gate) {
        // decide is synchronous: the loop awaits prepare() before it asks the gate anything.
        if (!gateModule) throw new Error('the policy gate was asked before the engine was prepared');
        gate = gateFromModule(gateModule, opts.loaded, opts.paths);
      }
      return gate.decide(action, effect);
    },
  };
  const openMemoryOnce = async (): Promise<MemoryStore | undefined> => {
    if (memoryFailed) return undefined;
    if (!memory) {
      try {
        if (opts.openMemory) {
          memory = await opts.openMemory(opts.paths.memoryPath);
        } else {
          const { openMemory } = await import('../memory/memory-store.js');
          memory = openMemory(opts.paths.memoryPath);
          ownsMemory = true;
        }
      } catch (e) {
        memoryFailed = true;
        opts.warn?.(
          `memory at ${opts.paths.memoryPath} is not available, runs are not recorded: ${(e as Error).message}`,
        );
        return undefined;
      }
    }
    return memory;
  };
  const recorder = {
    async record(report: RunReport): Promise<void> {
      const store = await openMemoryOnce();
      if (store) await memoryRecorder(store, opts.trigger).record(report);
    },
  };
  const deps: ReconcileDeps = {
    lookup: controllerFor,
    root,
    runner: spawnRunner,
    gate: lazyGate,
    // An intent's check is an action observe runs itself: the gate decides it, loaded on first use
    // (a diff with no intent never loads the gate).
    guard: {
      decide: async (action, effect) => {
        await loadGate();
        return lazyGate.decide(action, effect);
      },
      sandbox: config.security.sandbox,
    },
    prepare,
    effectOf: (tool) => registry?.get(tool)?.effect,
    execute: async (action) => {
      await prepare();
      return (execute as NonNullable<typeof execute>)(registry as ToolRegistry, action, toolCtx);
    },
    notifyQueueFile: path.join(opts.paths.dataDir, NOTIFY_QUEUE_FILE),
    stamps,
    autoRollback: config.recovery.auto_rollback,
    ...(snapshotter ? { snapshotter } : {}),
    ...(opts.confirm ? { confirm: opts.confirm } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.warn ? { warn: opts.warn } : {}),
    ...(opts.record !== false ? { recorder } : {}),
  };
  const close = () => {
    stamps.save(stampsFile);
    store?.close();
    if (ownsMemory) memory?.close();
  };
  return { deps, close, saveStamps: () => stamps.save(stampsFile) };
}

/**
 * The gate of the config as a guard for what observe runs itself (`aios diff`), built on the first
 * decision: specs without an intent never load it.
 */
export function configGuard(loaded: LoadedConfig, paths: EffectivePaths): CommandGuard {
  let gate: Promise<PolicyGate> | undefined;
  return {
    decide: async (action, effect) => {
      gate ??= gateFromConfig(loaded, paths);
      return (await gate).decide(action, effect);
    },
    sandbox: loaded.config.security.sandbox,
  };
}

/** The gate of [security] (mode, patterns) and the policies dirs, for the managed root. */
export async function gateFromConfig(loaded: LoadedConfig, paths: EffectivePaths): Promise<PolicyGate> {
  return gateFromModule(await import('../policy/create-gate.js'), loaded, paths);
}

function gateFromModule(mod: GateModule, loaded: LoadedConfig, paths: EffectivePaths): PolicyGate {
  const s = loaded.config.security;
  return mod.createGate({
    mode: s.mode,
    dangerousPatterns: s.dangerous_patterns,
    requireConfirm: s.require_confirm,
    policyDirs: paths.policiesDirs,
    root: paths.root,
    home: os.homedir(),
  });
}
