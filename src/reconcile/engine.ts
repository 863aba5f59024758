// Wires the real modules into ReconcileDeps for one run: the tool registry and executeAction, the
// policy gate, the snapshot store, memory, the durable notify queue in data_dir. Used by `aios
// apply`, `aios demo` and the daemon, so all of them reconcile through the same pieces. It does no
// terminal I/O: confirmations and progress arrive as callbacks.
import path from 'node:path';
import { controllerFor } from '../../controllers/registry.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { EffectivePaths } from '../config/paths.js';
import { NotAvailableError } from '../errors.js';
import { spawnRunner } from '../host/process-runner.js';
import { RootPath } from '../host/root-path.js';
import { type MemoryStore, openMemory } from '../memory/memory-store.js';
import type { PolicyGate } from '../policy/gate-types.js';
import type { Snapshotter } from '../recovery/snapshot-types.js';
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
  /** Undefined when [recovery] enabled = false (then nothing is snapshotted). */
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
  const deps: ReconcileDeps = {
    lookup: controllerFor,
    root,
    runner: spawnRunner,
    gate: opts.gate ?? (await gateFromConfig(opts.loaded, opts.paths)),
    effectOf: (tool) => registry.get(tool)?.effect,
    execute: (action) => executeAction(registry, action, toolCtx),
    notifyQueueFile: path.join(opts.paths.dataDir, NOTIFY_QUEUE_FILE),
    autoRollback: config.recovery.auto_rollback,
    ...(opts.snapshotter ? { snapshotter: opts.snapshotter } : {}),
    ...(opts.confirm ? { confirm: opts.confirm } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.warn ? { warn: opts.warn } : {}),
    ...(memory ? { recorder: memoryRecorder(memory, opts.trigger) } : {}),
  };
  return { deps, ...(memory ? { memory } : {}), close: () => memory?.close() };
}

/** The gate of [security] and the policies dirs. */
export async function gateFromConfig(_loaded: LoadedConfig, _paths: EffectivePaths): Promise<PolicyGate> {
  throw new NotAvailableError('the policy gate is not available yet (part 2), so nothing can be applied');
}
