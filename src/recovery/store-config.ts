// Snapshot store options from a loaded config: the one mapping of [recovery] keys and effective
// paths onto `openSnapshotStore`, shared by the CLI commands, the reconciler and the daemon so they
// all capture the same things. No I/O.
import type { EffectivePaths } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import type { ProcessRunner } from '../host/process-runner.js';
import type { SnapshotStoreOptions } from './snapshot-store.js';

export function storeOptionsFromConfig(
  config: Config,
  paths: EffectivePaths,
  runner?: ProcessRunner,
): SnapshotStoreOptions {
  const r = config.recovery;
  // The config FILE, not its directory: a user's ~/.config/aios also holds the memory db and
  // perhaps the store, which have their own capture rules.
  const aiosPaths = [paths.specsDir];
  if (paths.configFile) aiosPaths.push(paths.configFile);
  const opts: SnapshotStoreOptions = {
    storeDir: paths.snapshotsDir,
    root: paths.root,
    paths: r.paths,
    exclude: r.exclude,
    aiosPaths,
    memoryPath: paths.memoryPath,
    enabled: r.enabled,
    retention: { maxSnapshots: r.max_snapshots, keepDaily: r.keep_daily, keepWeekly: r.keep_weekly },
  };
  if (runner) opts.runner = runner;
  return opts;
}
