// Where `aios snapshot`, `aios snapshots` and `aios restore` run: in the daemon when one manages the
// same root and specs (ARCHITECTURE.md §4: a restore must never overlap the daemon's apply, and a
// root daemon owns the store), in-process otherwise. Both sides return the same shapes, so the
// commands render one way.
import type { RestoreOptions, RestoreReport, SnapshotDetail } from '../src/recovery/snapshot-store.js';
import type { SnapshotSummary } from '../src/recovery/snapshot-types.js';
import { loadCliConfig } from './cli-config.js';
import type { CommandArgs } from './command.js';
import { delegateTo } from './daemon-link.js';
import type { Io } from './io.js';

export interface CreatedSnapshot extends SnapshotSummary {
  storeDir: string;
  skipped: string[];
}

export interface SnapshotBackend {
  /** 'daemon' when the calls go over the socket. */
  readonly where: 'daemon' | 'local';
  create(description: string): Promise<CreatedSnapshot>;
  list(): Promise<SnapshotSummary[]>;
  /** Where the store lives and whether automatic snapshots are on. */
  info(): Promise<{ storeDir: string; enabled: boolean }>;
  restore(id: string, opts: RestoreOptions): Promise<RestoreReport>;
  close(): void;
}

export async function snapshotBackend(args: CommandArgs, io: Io): Promise<SnapshotBackend> {
  const { loaded, paths } = await loadCliConfig(args);
  if (!args.json) for (const w of loaded.warnings) io.err(`aios: warning: ${w}`);
  const call = await delegateTo(args, paths);
  if (call) {
    return {
      where: 'daemon',
      create: async (description) => (await call('snapshot.create', { description })) as CreatedSnapshot,
      list: async () => (await call('snapshot.list', {})) as SnapshotSummary[],
      info: async () => (await call('snapshot.store', {})) as { storeDir: string; enabled: boolean },
      restore: async (id, opts) =>
        (await call('snapshot.restore', {
          id,
          dry_run: opts.dryRun === true,
          keep_new: opts.keepNew === true,
          ...(opts.paths && opts.paths.length > 0 ? { paths: opts.paths } : {}),
        })) as RestoreReport,
      close: () => {},
    };
  }
  const [{ openSnapshotStore }, { storeOptionsFromConfig }] = await Promise.all([
    import('../src/recovery/snapshot-store.js'),
    import('../src/recovery/store-config.js'),
  ]);
  const store = openSnapshotStore(storeOptionsFromConfig(loaded.config, paths));
  return {
    where: 'local',
    create: async (description) => {
      const s = await store.snapshot({ kind: 'manual', description, trigger: 'cli' });
      const detail: SnapshotDetail = store.get(s.id);
      return { ...s, storeDir: store.storeDir, skipped: detail.skipped };
    },
    list: async () => store.list(),
    info: async () => ({ storeDir: store.storeDir, enabled: store.enabled }),
    restore: (id, opts) => store.restore(id, opts),
    close: () => store.close(),
  };
}
