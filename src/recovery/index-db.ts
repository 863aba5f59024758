// The snapshot index: one SQLite row per visible snapshot, in the store's own database (index.db),
// so the store is self-contained and the memory db can itself be captured. A row is inserted in
// one transaction only after its objects and manifest are durable: the row IS the visibility.
// WAL with synchronous=FULL so a committed snapshot survives a power cut.
import type Database from 'better-sqlite3';
import { openSqlite, useWal } from '../memory/sqlite-open.js';
import type { SnapshotMeta } from './manifest.js';
import type { SnapshotKind, SnapshotSummary } from './snapshot-types.js';

export interface SnapshotRow extends SnapshotSummary {
  root: string;
  startedMs: number;
  timeMs: number;
  manifest: string;
  meta: SnapshotMeta;
  newBytes: number;
}

interface RawRow {
  id: string;
  time_ms: number;
  started_ms: number;
  kind: string;
  description: string;
  trigger: string;
  root: string;
  files: number;
  changed: number;
  bytes: number;
  new_bytes: number;
  pinned: number;
  manifest: string;
  meta: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS snapshots (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  time_ms INTEGER NOT NULL,
  started_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  trigger TEXT NOT NULL DEFAULT '',
  root TEXT NOT NULL,
  files INTEGER NOT NULL,
  changed INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  new_bytes INTEGER NOT NULL,
  pinned INTEGER NOT NULL DEFAULT 0,
  manifest TEXT NOT NULL,
  meta TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_root ON snapshots(root, seq);
`;

function toRow(r: RawRow): SnapshotRow {
  return {
    id: r.id,
    time: new Date(r.time_ms).toISOString(),
    timeMs: r.time_ms,
    startedMs: r.started_ms,
    kind: r.kind as SnapshotKind,
    description: r.description,
    trigger: r.trigger,
    root: r.root,
    files: r.files,
    changed: r.changed,
    bytes: r.bytes,
    newBytes: r.new_bytes,
    pinned: r.pinned === 1,
    manifest: r.manifest,
    meta: JSON.parse(r.meta) as SnapshotMeta,
  };
}

export class IndexDb {
  readonly db: Database.Database;

  constructor(file: string) {
    this.db = openSqlite(file);
    this.db.pragma('busy_timeout = 10000');
    useWal(this.db, 10_000);
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  insert(row: SnapshotRow): void {
    this.db
      .prepare(
        `INSERT INTO snapshots (id, time_ms, started_ms, kind, description, trigger, root, files, changed,
           bytes, new_bytes, pinned, manifest, meta)
         VALUES (@id, @time_ms, @started_ms, @kind, @description, @trigger, @root, @files, @changed,
           @bytes, @new_bytes, @pinned, @manifest, @meta)`,
      )
      .run({
        id: row.id,
        time_ms: row.timeMs,
        started_ms: row.startedMs,
        kind: row.kind,
        description: row.description,
        trigger: row.trigger,
        root: row.root,
        files: row.files,
        changed: row.changed,
        bytes: row.bytes,
        new_bytes: row.newBytes,
        pinned: row.pinned ? 1 : 0,
        manifest: row.manifest,
        meta: JSON.stringify(row.meta),
      });
  }

  /** Oldest first. */
  list(): SnapshotRow[] {
    return (this.db.prepare('SELECT * FROM snapshots ORDER BY seq').all() as RawRow[]).map(toRow);
  }

  /** Just what retention looks at, without parsing every row's metadata. */
  retentionRows(): { id: string; timeMs: number; kind: SnapshotKind; trigger: string; pinned: boolean }[] {
    return (
      this.db.prepare('SELECT id, time_ms, kind, trigger, pinned FROM snapshots ORDER BY seq').all() as Pick<
        RawRow,
        'id' | 'time_ms' | 'kind' | 'trigger' | 'pinned'
      >[]
    ).map((r) => ({
      id: r.id,
      timeMs: r.time_ms,
      kind: r.kind as SnapshotKind,
      trigger: r.trigger,
      pinned: r.pinned === 1,
    }));
  }

  get(id: string): SnapshotRow | undefined {
    const r = this.db.prepare('SELECT * FROM snapshots WHERE id = ?').get(id) as RawRow | undefined;
    return r ? toRow(r) : undefined;
  }

  /** Ids starting with a prefix (users type short ids). */
  matching(prefix: string): string[] {
    return (
      this.db
        .prepare("SELECT id FROM snapshots WHERE id LIKE ? ESCAPE '\\' ORDER BY seq")
        .all(`${prefix.replace(/[\\%_]/g, '\\$&')}%`) as { id: string }[]
    ).map((r) => r.id);
  }

  latestForRoot(root: string): SnapshotRow | undefined {
    const r = this.db.prepare('SELECT * FROM snapshots WHERE root = ? ORDER BY seq DESC LIMIT 1').get(root) as
      | RawRow
      | undefined;
    return r ? toRow(r) : undefined;
  }

  latestOfKind(kind: SnapshotKind): SnapshotRow | undefined {
    const r = this.db.prepare('SELECT * FROM snapshots WHERE kind = ? ORDER BY seq DESC LIMIT 1').get(kind) as
      | RawRow
      | undefined;
    return r ? toRow(r) : undefined;
  }

  delete(ids: string[]): void {
    const del = this.db.prepare('DELETE FROM snapshots WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) del.run(id);
    })();
  }

  /** Every object hash a visible snapshot references directly (manifests, package lists, db copies). */
  rootObjects(): { manifest: string; meta: SnapshotMeta }[] {
    return (this.db.prepare('SELECT manifest, meta FROM snapshots').all() as RawRow[]).map((r) => ({
      manifest: r.manifest,
      meta: JSON.parse(r.meta) as SnapshotMeta,
    }));
  }
}
