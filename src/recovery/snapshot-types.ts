// What the reconciler and the daemon need from the snapshot store.
export type SnapshotKind = 'pre-apply' | 'scheduled' | 'manual' | 'pre-restore';

export interface SnapshotRequest {
  kind: SnapshotKind;
  description?: string;
  /** What caused it: an apply run id, a cron expression, "cli". */
  trigger?: string;
  /** Host paths captured in addition to [recovery] paths (e.g. every path a spec manages). */
  extraPaths?: string[];
}

export interface SnapshotSummary {
  id: string;
  time: string;
  kind: SnapshotKind;
  description: string;
  trigger: string;
  files: number;
  changed: number;
  bytes: number;
  pinned: boolean;
}

export interface RestoreResult {
  restored: string[];
  removed: string[];
  preRestoreSnapshot?: string;
}

export interface Snapshotter {
  /**
   * False when `[recovery] enabled = false`: automatic kinds (pre-apply, scheduled) are refused with
   * a HostError, so check this first and skip the snapshot (manual ones still work).
   */
  readonly enabled?: boolean;
  snapshot(request: SnapshotRequest): Promise<SnapshotSummary>;
  /** Restore only these host paths from a snapshot (auto_rollback after a failed verify). */
  restorePaths(id: string, paths: string[]): Promise<RestoreResult>;
}
