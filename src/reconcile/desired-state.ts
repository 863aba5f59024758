// Loads the desired state for one diff/apply run: the spec files under specs_dir into a dependency
// graph, timed. Shared by `aios diff`, `aios apply`, `aios demo` and the daemon so all of them see
// the same resources in the same order. Reads spec files only.

import type { CommandGuard } from '../../controllers/controller.js';
import { controllerFor } from '../../controllers/registry.js';
import { ContentStamps, contentStampsPath } from '../host/content-stamps.js';
import { spawnRunner } from '../host/process-runner.js';
import { RootPath } from '../host/root-path.js';
import { buildGraph, type Graph, graphFromStored, storedGraph } from '../specs/graph.js';
import { type ControllerLookup, loadSpecs } from '../specs/load-specs.js';
import { openSpecCache, specCachePath } from '../specs/spec-cache.js';
import type { ResourceId } from '../types.js';
import { makePlan, type PlanResult, selectResources } from './plan.js';

export interface DesiredState {
  graph: Graph;
  files: string[];
  loadMs: number;
}

export interface DesiredStateOptions {
  /** Kind → controller; the registry by default (tests pass fakes, and then nothing is cached). */
  lookup?: ControllerLookup;
  /** data_dir: validated spec files are cached there by content (src/specs/spec-cache.ts). */
  cacheDir?: string | undefined;
}

export async function loadDesiredState(
  specsDir: string,
  options: DesiredStateOptions = {},
): Promise<DesiredState> {
  const t0 = performance.now();
  const lookup = options.lookup ?? controllerFor;
  const cache =
    options.cacheDir !== undefined && options.lookup === undefined
      ? openSpecCache(specCachePath(options.cacheDir, specsDir))
      : undefined;
  let files: string[] = [];
  try {
    const loaded = await loadSpecs(specsDir, { lookup, cache });
    files = loaded.files;
    const stored = cache?.graph(files);
    let graph = stored ? graphFromStored(loaded.resources, stored) : undefined;
    if (!graph) {
      graph = buildGraph(loaded.resources, lookup);
      cache?.rememberGraph(files, storedGraph(graph, loaded.resources));
    }
    return { graph, files, loadMs: performance.now() - t0 };
  } finally {
    // Saved even when a file is broken: the good ones stay cached while it is being fixed.
    cache?.save(files);
  }
}

export interface PlanOnHostOptions {
  only?: ResourceId[];
  /** Gate for commands observe runs itself (an intent's check); absent: they are not run. */
  guard?: CommandGuard | undefined;
  /**
   * data_dir: what earlier runs read of managed files is used and kept there (decision 183), as
   * the engine does for an apply. Absent: every file is read and nothing is noted.
   */
  notesDir?: string | undefined;
  /** Read every managed file even where a note vouches for it (`--full`). */
  full?: boolean | undefined;
}

/** `aios diff`: plan the selected resources against the real host under `root` (read-only). */
export async function planOnHost(
  desired: DesiredState,
  root: string,
  options: PlanOnHostOptions = {},
): Promise<PlanResult> {
  const only = options.only ?? [];
  const selected = selectResources(desired.graph.order, only);
  const notesFile = options.notesDir !== undefined ? contentStampsPath(options.notesDir, root) : undefined;
  const stamps = notesFile ? ContentStamps.load(notesFile, options.full === true) : undefined;
  const planned = await makePlan(
    selected,
    {
      lookup: controllerFor,
      root: new RootPath(root),
      runner: spawnRunner,
      ...(options.guard ? { guard: options.guard } : {}),
      ...(stamps ? { stamps } : {}),
    },
    only,
  );
  if (notesFile) stamps?.save(notesFile);
  return planned;
}
