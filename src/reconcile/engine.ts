// Wires the real modules into ReconcileDeps for one run: the tool registry and executeAction, the
// policy gate, the snapshot store, memory, the durable notify queue in data_dir. Used by `aios
// apply`, `aios demo` and the daemon, so all of them reconcile through the same pieces. It does no
// terminal I/O: confirmations and progress arrive as callbacks.
import os from 'node:os';
import path from 'node:path';
import { controllerFor } from '../../controllers/registry.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { EffectivePaths } from '../config/paths.js';
import { spawnRunner } from '../host/process-runner.js';
import { RootPath } from '../host/root-path.js';
import { type MemoryStore, openMemory } from '../memory/memory-store.js';
import { createGate } from '../policy/create-gate.js';
import type { PolicyGate } from '../policy/gate-types.js';
import { openSnapshotStore, type SnapshotStore } from '../recovery/snapshot-store.js';
import type { Snapshotter } from '../recovery/snapshot-types.js';
import { storeOptionsFromConfig } from '../recovery/store-config.js';
import { executeAction } from '../tools/execute.js';
import { createRegistry } from '../tools/registry.js';
import type { ToolContext } from '../tools/tool.js';
import type { Action, Decision } from '../types.js';
import { memoryRecorder } from './memory-recorder.js';
import type { ReconcileDeps } from './reconcile.js';
import type { ProgressEvent } from './run-types.js';

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
}

export interface Engine {
  deps: ReconcileDeps;
  memory?: MemoryStore;
  close(): void;
}

export const NOTIFY_QUEUE_FILE = 'notify-queue.json';

export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const { config } = opts.loaded;
  const root = new RootPath(opts.paths.root);
  const registry = await createRegistry({ pluginsDir: opts.paths.pluginsDir, warn: opts.warn });
  const toolCtx: ToolContext = {
    root,
    runner: spawnRunner,
    sandbox: config.security.sandbox,
    maxOutputBytes: config.tools.max_output_bytes,
  };
  let memory: MemoryStore | undefined;
  if (opts.record !== false) {
    try {
      memory = openMemory(opts.paths.memoryPath);
    } catch (e) {
      opts.warn?.(
        `memory at ${opts.paths.memoryPath} is not available, the run is not recorded: ${(e as Error).message}`,
      );
    }
  }
  // The snapshot store and the gate are opened on first use: a run with nothing to change needs
  // neither, and a no-change apply is the common case (the daemon's resync, a second apply).
  let store: SnapshotStore | undefined;
  const openStore = (): SnapshotStore => {
    store ??= openSnapshotStore(storeOptionsFromConfig(config, opts.paths, spawnRunner));
    return store;
  };
  const snapshotter: Snapshotter | undefined =
    opts.snapshotter ??
    (config.recovery.enabled
      ? {
          snapshot: (request) => openStore().snapshot(request),
          restorePaths: (id, paths) => openStore().restorePaths(id, paths),
        }
      : undefined);
  let gate = opts.gate;
  const lazyGate: PolicyGate = {
    decide: (action, effect) => {
      gate ??= gateFromConfig(opts.loaded, opts.paths);
      return gate.decide(action, effect);
    },
  };
  const deps: ReconcileDeps = {
    lookup: controllerFor,
    root,
    runner: spawnRunner,
    gate: lazyGate,
    effectOf: (tool) => registry.get(tool)?.effect,
    execute: (action) => executeAction(registry, action, toolCtx),
    notifyQueueFile: path.join(opts.paths.dataDir, NOTIFY_QUEUE_FILE),
    autoRollback: config.recovery.auto_rollback,
    ...(snapshotter ? { snapshotter } : {}),
    ...(opts.confirm ? { confirm: opts.confirm } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.warn ? { warn: opts.warn } : {}),
    ...(memory ? { recorder: memoryRecorder(memory, opts.trigger) } : {}),
  };
  const close = () => {
    store?.close();
    memory?.close();
  };
  return { deps, ...(memory ? { memory } : {}), close };
}

/** The gate of [security] (mode, patterns) and the policies dirs, for the managed root. */
export function gateFromConfig(loaded: LoadedConfig, paths: EffectivePaths): PolicyGate {
  const s = loaded.config.security;
  return createGate({
    mode: s.mode,
    dangerousPatterns: s.dangerous_patterns,
    requireConfirm: s.require_confirm,
    policyDirs: paths.policiesDirs,
    root: paths.root,
    home: os.homedir(),
  });
}
