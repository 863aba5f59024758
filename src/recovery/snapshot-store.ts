// The snapshot store: `openSnapshotStore(opts)` implements Snapshotter (snapshot, restorePaths) plus
// list, diff, verify, delete, restore, resume, prune and GC. Layout of the store dir:
//   objects/xx/<sha256>   contents, manifests, package lists, memory-db copies (written once)
//   index.db              one row per visible snapshot (SQLite, WAL, synchronous=FULL)
//   tmp/                  partial writes; emptied on every open
//   lock                  pid of the one writer; stale after a kill -9
//   restore.journal       present only while a restore runs (or was killed mid-way)
// Order that makes kill -9 safe anywhere: objects -> one durability pass -> index row (one
// transaction) -> retention -> GC. A crash before the row leaves only unreferenced objects, which
// the next writer sweeps. Takes explicit dirs; knows nothing of config files or the terminal.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HostError, UserInputError } from '../errors.js';
import { atomicWrite } from '../host/atomic-write.js';
import { type ProcessRunner, spawnRunner } from '../host/process-runner.js';
import { RootPath } from '../host/root-path.js';
import { openSqlite } from '../memory/sqlite-open.js';
import { type CaptureResult, type CaptureTop, capture, entryKey, type PrevCache } from './capture.js';
import { compileExclude } from './exclude.js';
import { enabledUnits, ownerNames, packageList } from './host-meta.js';
import { IndexDb, type SnapshotRow } from './index-db.js';
import {
  bytePath,
  type DatabaseCopy,
  decodeManifest,
  displayPath,
  encodeManifest,
  fsPath,
  isWithin,
  MANIFEST_VERSION,
  type ManifestEntry,
  type SnapshotMeta,
  validateManifest,
} from './manifest.js';
import { ObjectStore } from './object-store.js';
import {
  describePlan,
  executeRestore,
  planRestore,
  preflight,
  type RestoreOp,
  type RestorePlanItem,
  realOf,
  removeTemps,
  tempPaths,
} from './restore.js';
import { type RetentionPolicy, selectExpired } from './retention.js';
import type { DiffSide, SnapshotDiff } from './snapshot-diff.js';
import type {
  RestoreResult,
  SnapshotKind,
  SnapshotRequest,
  SnapshotSummary,
  Snapshotter,
} from './snapshot-types.js';
import { StoreLock } from './store-lock.js';
import { xattrReader } from './xattrs.js';

export interface SnapshotStoreOptions {
  /** Where the store lives (config: recovery.store_dir, else <data_dir>/snapshots). Never under --root. */
  storeDir: string;
  /** What is captured is read under this root (--root); default "/". */
  root?: string;
  /** Host paths captured every time ([recovery] paths); default ["/etc"]. */
  paths?: string[];
  /** Globs never captured ([recovery] exclude). */
  exclude?: string[];
  /** Real paths of the aios config file/dir and specs dir: captured too (inside or outside --root). */
  aiosPaths?: string[];
  /** The memory database: copied with SQLite's online backup, never read as a torn file. */
  memoryPath?: string;
  runner?: ProcessRunner;
  retention?: Partial<RetentionPolicy>;
  /** [recovery] enabled: false refuses automatic (pre-apply, scheduled) snapshots. */
  enabled?: boolean;
}

export interface RestoreOptions {
  dryRun?: boolean;
  /** Restore only these host paths (and what is below them). */
  paths?: string[];
  /** Keep files that the snapshot did not have. */
  keepNew?: boolean;
}

export interface RestoreReport extends RestoreResult {
  snapshot: string;
  dryRun: boolean;
  plan: RestorePlanItem[];
  /** What the restore could not do but did not stop for (kept directories, xattrs refused). */
  problems: string[];
  /** An interrupted restore this call finished first. */
  resumed?: string;
}

export interface VerifyReport {
  snapshots: number;
  objects: number;
  problems: string[];
  /** Objects no snapshot references (GC collects them; not a problem). */
  unreferenced: number;
}

export interface RestoreJournal {
  journalId: string;
  snapshot: string;
  preRestore?: string;
  paths: string[];
  keepNew: boolean;
  temps: string[];
  startedAt: string;
}

export interface SnapshotDetail extends SnapshotSummary {
  root: string;
  paths: string[];
  skipped: string[];
  newBytes: number;
}

export interface SnapshotStore extends Snapshotter {
  readonly storeDir: string;
  readonly enabled: boolean;
  list(): SnapshotSummary[];
  /** Every stored object (for tests and diagnostics). */
  objectHashes(): string[];
  /** An object's bytes, verified against its hash. */
  readObject(hash: string): Buffer;
  /** The newest snapshot (of a kind), e.g. the scheduler's catch-up check. */
  latest(kind?: SnapshotKind): SnapshotSummary | undefined;
  /** Full id from a unique prefix ("latest" = newest); throws UserInputError otherwise. */
  resolve(idOrPrefix: string): string;
  get(id: string): SnapshotDetail;
  diff(a: string, b?: string, opts?: { paths?: string[]; content?: boolean }): Promise<SnapshotDiff>;
  verify(id?: string): Promise<VerifyReport>;
  delete(id: string): Promise<{ deleted: string; objectsRemoved: number }>;
  restore(id: string, opts?: RestoreOptions): Promise<RestoreReport>;
  /** The journal of a restore that was interrupted, if any. */
  pendingRestore(): RestoreJournal | undefined;
  /** Finish (default) or roll back an interrupted restore. */
  resume(mode?: 'finish' | 'rollback'): Promise<RestoreReport | undefined>;
  prune(): Promise<{ deleted: string[]; objectsRemoved: number }>;
  gc(): Promise<{ objectsRemoved: number }>;
  close(): void;
}

interface Captured {
  tops: CaptureTop[];
  prev: { row: SnapshotRow; cache: PrevCache } | undefined;
  cap: CaptureResult;
}

const AUTOMATIC: SnapshotKind[] = ['pre-apply', 'scheduled'];
/** Databases up to this size are copied in memory with serialize(); bigger ones with backup(). */
const SERIALIZE_MAX = 64 * 1024 * 1024;

function newId(now: Date): string {
  const iso = now.toISOString();
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

function normalizeHost(p: string): string {
  if (!p.startsWith('/')) throw new UserInputError(`snapshot paths must be absolute: ${p}`);
  const n = path.posix.normalize(p);
  if (n.split('/').includes('..')) throw new UserInputError(`path escapes the root: ${p}`);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** Drop tops that are below another top. */
function dedupeTops(tops: CaptureTop[]): CaptureTop[] {
  const sorted = [...tops].sort((a, b) => a.path.length - b.path.length);
  const out: CaptureTop[] = [];
  for (const t of sorted) {
    if (out.some((o) => o.outside === t.outside && isWithin(t.path, o.path))) continue;
    out.push(t);
  }
  return out.sort((a, b) => (entryKey(a) < entryKey(b) ? -1 : 1));
}

class Store implements SnapshotStore {
  readonly storeDir: string;
  readonly enabled: boolean;
  private readonly root: RootPath;
  private readonly rootPrefix: string;
  private readonly objects: ObjectStore;
  private readonly index: IndexDb;
  private readonly lock: StoreLock;
  private readonly runner: ProcessRunner;
  private readonly exclude: (p: string) => boolean;
  private readonly retention: RetentionPolicy;
  private readonly manifests = new Map<string, ManifestEntry[]>();
  private readonly journalFile: string;
  private initialized = false;

  constructor(private readonly opts: SnapshotStoreOptions) {
    this.storeDir = path.resolve(opts.storeDir);
    this.root = new RootPath(opts.root ?? '/');
    this.rootPrefix = this.root.isHostRoot ? '' : bytePath(this.root.root);
    this.runner = opts.runner ?? spawnRunner;
    this.enabled = opts.enabled ?? true;
    this.exclude = compileExclude(opts.exclude ?? []);
    this.retention = {
      maxSnapshots: opts.retention?.maxSnapshots ?? 24,
      keepDaily: opts.retention?.keepDaily ?? 0,
      keepWeekly: opts.retention?.keepWeekly ?? 0,
    };
    fs.mkdirSync(this.storeDir, { recursive: true, mode: 0o700 });
    this.index = new IndexDb(path.join(this.storeDir, 'index.db'));
    this.objects = new ObjectStore(this.storeDir, this.index.db, this.runner);
    this.lock = new StoreLock(path.join(this.storeDir, 'lock'));
    this.journalFile = path.join(this.storeDir, 'restore.journal');
  }

  close(): void {
    this.objects.close();
    this.index.close();
  }

  objectHashes(): string[] {
    return this.objects.list();
  }

  readObject(hash: string): Buffer {
    return this.objects.get(hash);
  }

  /** Under the lock: clear partial work; after a crash, sweep objects no snapshot references. */
  private async recover(stale: boolean): Promise<void> {
    // Layout and temp cleanup once per open store, and again whenever a holder died mid-work.
    if (!this.initialized || stale) {
      this.objects.init();
      this.initialized = true;
    }
    if (stale) {
      this.objects.removeOrphanPacks();
      await this.sweep();
    }
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return this.lock.with(async (stale) => {
      await this.recover(stale);
      return fn();
    });
  }

  // ---------- capture ----------

  private tops(extraPaths: string[] = []): CaptureTop[] {
    const tops: CaptureTop[] = [];
    for (const p of [...(this.opts.paths ?? ['/etc']), ...extraPaths]) {
      tops.push({ path: bytePath(normalizeHost(p)), outside: false });
    }
    for (const p of this.opts.aiosPaths ?? []) {
      const abs = path.resolve(p);
      if (this.root.isHostRoot) tops.push({ path: bytePath(abs), outside: false });
      else if (isWithin(abs, this.root.root))
        tops.push({ path: bytePath(this.root.host(abs)), outside: false });
      else tops.push({ path: bytePath(abs), outside: true });
    }
    return dedupeTops(tops);
  }

  private skipReal(): Set<string> {
    const s = new Set<string>([bytePath(this.storeDir)]);
    // Outside tops (config, specs) never descend into the managed root: that is captured as such.
    if (this.rootPrefix !== '') s.add(this.rootPrefix);
    if (this.opts.memoryPath) {
      const m = bytePath(path.resolve(this.opts.memoryPath));
      for (const suffix of ['', '-wal', '-shm', '-journal']) s.add(m + suffix);
    }
    return s;
  }

  /** A new id; several snapshots a second can share the time part, never the whole id. */
  private freshId(now: Date): string {
    for (;;) {
      const id = newId(now);
      if (!this.index.get(id)) return id;
    }
  }

  private entriesOf(manifestHash: string): ManifestEntry[] {
    const cached = this.manifests.get(manifestHash);
    if (cached) return cached;
    const entries = decodeManifest(this.objects.get(manifestHash)).entries;
    this.manifests.clear(); // keep only the newest: it is the stat cache
    this.manifests.set(manifestHash, entries);
    return entries;
  }

  private prevCache(): { row: SnapshotRow; cache: PrevCache } | undefined {
    const row = this.index.latestForRoot(this.root.root);
    if (!row) return undefined;
    try {
      return { row, cache: { entries: this.entriesOf(row.manifest), startedMs: row.startedMs } };
    } catch {
      return undefined; // a damaged previous manifest only costs a full read
    }
  }

  async snapshot(request: SnapshotRequest): Promise<SnapshotSummary> {
    if (!this.enabled && AUTOMATIC.includes(request.kind)) {
      throw new HostError('automatic snapshots are disabled ([recovery] enabled = false)');
    }
    return this.locked(() => this.snapshotLocked(request));
  }

  private async snapshotLocked(request: SnapshotRequest, protect: string[] = []): Promise<SnapshotSummary> {
    try {
      return await this.snapshotWrite(request, protect);
    } catch (e) {
      // Nothing was committed: what was written is an orphan pack the next writer removes.
      this.objects.abandonPending();
      throw e;
    }
  }

  private async snapshotWrite(request: SnapshotRequest, protect: string[]): Promise<SnapshotSummary> {
    return this.commitCapture(request, await this.captureTops(this.tops(request.extraPaths)), protect);
  }

  /** Walk and store what changed (into the pending pack); nothing is visible until commitCapture. */
  private async captureTops(tops: CaptureTop[]): Promise<Captured> {
    const prev = this.prevCache();
    const cap = await capture({
      rootPrefix: this.rootPrefix,
      tops,
      exclude: this.exclude,
      skipReal: this.skipReal(),
      prev: prev?.cache,
      objects: this.objects,
      xattrs: xattrReader(this.runner),
    });
    return { tops, prev, cap };
  }

  private async commitCapture(
    request: SnapshotRequest,
    { tops, prev, cap }: Captured,
    protect: string[],
  ): Promise<SnapshotSummary> {
    let newBytes = cap.readBytes;
    const databases: DatabaseCopy[] = [];
    // The memory copy is for forensics (decision 050: restore never rewinds memory). A pre-apply
    // snapshot exists to undo one run's changes to managed paths; copying the whole memory db
    // before every apply would cost more than the apply once memory grows (decision 182).
    if (request.kind !== 'pre-apply' && this.opts.memoryPath && fs.existsSync(this.opts.memoryPath)) {
      const copy = await this.backupDatabase(this.opts.memoryPath);
      databases.push(copy);
      newBytes += copy.size;
    }
    // The package list is re-read only when dpkg's database changed since the previous snapshot
    // (a dpkg-query costs more than a whole no-change snapshot).
    const stamp = dpkgStamp(this.root);
    const prevMeta = prev?.row.meta;
    const reuse = stamp !== undefined && prevMeta?.packagesStamp === stamp && prevMeta.packages !== undefined;
    const pkgText = reuse ? undefined : await packageList(this.root, this.runner);
    const uids = new Set<number>();
    const gids = new Set<number>();
    let bytes = 0;
    for (const e of cap.entries) {
      uids.add(e.uid);
      gids.add(e.gid);
      if (e.type === 'file') bytes += e.size;
    }
    const owners = await ownerNames(this.root, uids, gids);
    const meta: SnapshotMeta = {
      root: this.root.root,
      paths: tops.filter((t) => !t.outside).map((t) => t.path),
      outsidePaths: tops.filter((t) => t.outside).map((t) => t.path),
      units: enabledUnits(this.root),
      databases,
      users: owners.users,
      groups: owners.groups,
      skipped: cap.skipped.map(displayPath),
    };
    if (reuse && prevMeta?.packages) meta.packages = prevMeta.packages;
    else if (pkgText !== undefined) meta.packages = this.objects.putBuffer(Buffer.from(pkgText, 'utf8'));
    if (stamp !== undefined && meta.packages) meta.packagesStamp = stamp;
    const manifest =
      cap.unchanged && prev
        ? prev.row.manifest
        : this.objects.putBuffer(encodeManifest({ version: MANIFEST_VERSION, entries: cap.entries }));
    await this.objects.flush();
    const now = new Date();
    const row: SnapshotRow = {
      id: this.freshId(now),
      time: now.toISOString(),
      timeMs: now.getTime(),
      startedMs: cap.startedMs,
      kind: request.kind,
      description: request.description ?? '',
      trigger: request.trigger ?? '',
      root: this.root.root,
      files: cap.entries.length,
      changed: prev ? cap.changed : cap.entries.length,
      bytes,
      newBytes,
      pinned: request.kind === 'manual',
      manifest,
      meta,
    };
    let expired: string[] = [];
    this.index.db.transaction(() => {
      this.objects.commitPending();
      this.index.insert(row);
      // Never expire what a restore in progress needs: its target and its safety snapshot.
      const pending = this.pendingRestore();
      const keep = new Set([...protect, pending?.snapshot, pending?.preRestore]);
      expired = selectExpired(this.index.retentionRows(), this.retention).filter((id) => !keep.has(id));
      this.index.delete(expired);
    })();
    this.manifests.clear();
    this.manifests.set(manifest, cap.entries);
    if (expired.length > 0) await this.sweep();
    return summary(row);
  }

  /**
   * A consistent copy of a live SQLite db (never its file bytes, which a writer may be changing):
   * `serialize()` reads it inside one read transaction, in memory; big databases go through the
   * online backup API to a temp file instead.
   */
  private async backupDatabase(file: string): Promise<DatabaseCopy> {
    const db = openSqlite(file, { readonly: true, fileMustExist: true });
    try {
      if (fs.statSync(file).size <= SERIALIZE_MAX) {
        const data = db.serialize();
        return { path: path.resolve(file), hash: this.objects.putBuffer(data), size: data.length };
      }
      const tmp = path.join(this.objects.tmpDir, `db-${process.pid}-${randomBytes(6).toString('hex')}`);
      await db.backup(tmp);
      const { hash, size } = this.objects.adoptFile(tmp);
      return { path: path.resolve(file), hash, size };
    } finally {
      db.close();
    }
  }

  // ---------- queries ----------

  list(): SnapshotSummary[] {
    return this.index.list().map(summary);
  }

  latest(kind?: SnapshotKind): SnapshotSummary | undefined {
    const row = kind ? this.index.latestOfKind(kind) : this.index.list().at(-1);
    return row ? summary(row) : undefined;
  }

  resolve(idOrPrefix: string): string {
    if (idOrPrefix === 'latest') {
      const all = this.index.list();
      const last = all[all.length - 1];
      if (!last) throw new UserInputError('there are no snapshots yet');
      return last.id;
    }
    const exact = this.index.get(idOrPrefix);
    if (exact) return exact.id;
    const m = this.index.matching(idOrPrefix);
    if (m.length === 1) return m[0] as string;
    if (m.length === 0) throw new UserInputError(`no snapshot ${idOrPrefix} (see \`aios snapshots\`)`);
    throw new UserInputError(`snapshot id ${idOrPrefix} is ambiguous: ${m.slice(0, 5).join(', ')}`);
  }

  private row(idOrPrefix: string): SnapshotRow {
    const row = this.index.get(this.resolve(idOrPrefix));
    if (!row) throw new UserInputError(`no snapshot ${idOrPrefix}`);
    return row;
  }

  get(id: string): SnapshotDetail {
    const row = this.row(id);
    return {
      ...summary(row),
      root: row.root,
      paths: [...row.meta.paths, ...row.meta.outsidePaths].map(displayPath),
      skipped: row.meta.skipped,
      newBytes: row.newBytes,
    };
  }

  private loadEntries(row: SnapshotRow): ManifestEntry[] {
    const entries = this.entriesOf(row.manifest);
    validateManifest({ version: MANIFEST_VERSION, entries }, row.meta);
    return entries;
  }

  private side(row: SnapshotRow): DiffSide {
    return {
      label: row.id,
      entries: this.loadEntries(row),
      packages: row.meta.packages ? this.objects.get(row.meta.packages).toString('utf8') : undefined,
      units: row.meta.units,
      users: row.meta.users,
      groups: row.meta.groups,
      content: (e) => (e.hash ? this.objects.get(e.hash) : undefined),
    };
  }

  /** The live state of what a snapshot captured (hashes only; cached stats make it cheap). */
  private async liveSide(row: SnapshotRow, scope?: string[]): Promise<DiffSide> {
    const tops: CaptureTop[] = scope
      ? scope.map((p) => ({ path: p, outside: row.meta.outsidePaths.some((o) => isWithin(p, o)) }))
      : [
          ...row.meta.paths.map((p) => ({ path: p, outside: false })),
          ...row.meta.outsidePaths.map((p) => ({ path: p, outside: true })),
        ];
    const prev = this.prevCache();
    const cap = await capture({
      rootPrefix: this.rootPrefix,
      tops: dedupeTops(tops),
      exclude: this.exclude,
      skipReal: this.skipReal(),
      prev: prev?.cache,
      objects: null,
      xattrs: xattrReader(this.runner),
    });
    const pkgText = await packageList(this.root, this.runner);
    const uids = new Set(cap.entries.map((e) => e.uid));
    const gids = new Set(cap.entries.map((e) => e.gid));
    const owners = await ownerNames(this.root, uids, gids);
    return {
      label: 'live',
      entries: cap.entries,
      packages: pkgText,
      units: enabledUnits(this.root),
      users: owners.users,
      groups: owners.groups,
      content: (e) => {
        try {
          return fs.readFileSync(fsPath(realOf(this.rootPrefix, e)));
        } catch {
          return undefined;
        }
      },
    };
  }

  async diff(
    a: string,
    b?: string,
    opts: { paths?: string[]; content?: boolean } = {},
  ): Promise<SnapshotDiff> {
    const ra = this.row(a);
    const sa = this.side(ra);
    const sb = b ? this.side(this.row(b)) : await this.liveSide(ra);
    if (opts.paths && opts.paths.length > 0) {
      const scope = opts.paths.map((p) => bytePath(normalizeHost(p)));
      const inScope = (e: ManifestEntry) => scope.some((s) => isWithin(e.path, s));
      sa.entries = sa.entries.filter(inScope);
      sb.entries = sb.entries.filter(inScope);
    }
    // Loaded here: the `diff` package costs ~20 ms of start-up that snapshots never need.
    const { diffSides } = await import('./snapshot-diff.js');
    return diffSides(sa, sb, opts.content ?? true);
  }

  // ---------- integrity ----------

  async verify(id?: string): Promise<VerifyReport> {
    return this.locked(async () => {
      const rows = id ? [this.row(id)] : this.index.list();
      const problems: string[] = [];
      const checked = new Set<string>();
      const check = (hash: string, what: string) => {
        if (checked.has(hash)) return;
        checked.add(hash);
        if (!this.objects.check(hash))
          problems.push(`${what}: object ${hash.slice(0, 12)} missing or corrupt`);
      };
      for (const row of rows) {
        check(row.manifest, `${row.id} manifest`);
        let entries: ManifestEntry[] = [];
        try {
          entries = decodeManifest(this.objects.get(row.manifest)).entries;
          validateManifest({ version: MANIFEST_VERSION, entries }, row.meta);
        } catch (e) {
          problems.push(`${row.id}: ${(e as Error).message}`);
        }
        for (const e of entries) if (e.hash) check(e.hash, `${row.id} ${displayPath(e.path)}`);
        if (row.meta.packages) check(row.meta.packages, `${row.id} package list`);
        for (const d of row.meta.databases) check(d.hash, `${row.id} database ${d.path}`);
      }
      const unreferenced = id ? 0 : this.objects.list().filter((h) => !checked.has(h)).length;
      return { snapshots: rows.length, objects: checked.size, problems, unreferenced };
    });
  }

  /** Mark every object a visible snapshot references; sweep the rest. Idempotent, so crash-safe. */
  private async sweep(): Promise<number> {
    const marked = new Set<string>();
    for (const r of this.index.rootObjects()) {
      marked.add(r.manifest);
      if (r.meta.packages) marked.add(r.meta.packages);
      for (const d of r.meta.databases) marked.add(d.hash);
      let entries: ManifestEntry[] | undefined = this.manifests.get(r.manifest);
      if (!entries) {
        try {
          entries = decodeManifest(this.objects.get(r.manifest)).entries;
        } catch {
          // A damaged manifest: keep everything rather than guess (verify reports it).
          return 0;
        }
      }
      for (const e of entries) if (e.hash) marked.add(e.hash);
    }
    return this.objects.sweep(marked);
  }

  async gc(): Promise<{ objectsRemoved: number }> {
    return this.locked(async () => ({ objectsRemoved: await this.sweep() }));
  }

  async prune(): Promise<{ deleted: string[]; objectsRemoved: number }> {
    return this.locked(async () => {
      const deleted = selectExpired(this.index.retentionRows(), this.retention);
      this.index.delete(deleted);
      const objectsRemoved = deleted.length > 0 ? await this.sweep() : 0;
      return { deleted, objectsRemoved };
    });
  }

  async delete(id: string): Promise<{ deleted: string; objectsRemoved: number }> {
    return this.locked(async () => {
      const row = this.row(id);
      this.index.delete([row.id]);
      this.manifests.delete(row.manifest);
      return { deleted: row.id, objectsRemoved: await this.sweep() };
    });
  }

  // ---------- restore ----------

  pendingRestore(): RestoreJournal | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.journalFile, 'utf8')) as RestoreJournal;
    } catch {
      return undefined;
    }
  }

  async restorePaths(id: string, paths: string[]): Promise<RestoreResult> {
    const r = await this.restore(id, { paths });
    return {
      restored: r.restored,
      removed: r.removed,
      ...(r.preRestoreSnapshot ? { preRestoreSnapshot: r.preRestoreSnapshot } : {}),
    };
  }

  async restore(id: string, opts: RestoreOptions = {}): Promise<RestoreReport> {
    return this.locked(async () => {
      let resumed: string | undefined;
      const pending = this.pendingRestore();
      if (pending && !opts.dryRun) {
        await this.resumeLocked(pending, 'finish');
        resumed = pending.snapshot;
      }
      const report = await this.restoreLocked(this.row(id), opts, undefined);
      if (resumed) report.resumed = resumed;
      return report;
    });
  }

  async resume(mode: 'finish' | 'rollback' = 'finish'): Promise<RestoreReport | undefined> {
    return this.locked(async () => {
      const pending = this.pendingRestore();
      if (!pending) return undefined;
      return this.resumeLocked(pending, mode);
    });
  }

  private async resumeLocked(j: RestoreJournal, mode: 'finish' | 'rollback'): Promise<RestoreReport> {
    removeTemps(j.temps);
    const targetId = mode === 'rollback' ? j.preRestore : j.snapshot;
    const row = targetId ? this.index.get(targetId) : undefined;
    if (!row) {
      throw new HostError(
        `cannot ${mode} the interrupted restore of ${j.snapshot}: snapshot ${targetId ?? '(none)'} is gone`,
      );
    }
    const report = await this.restoreLocked(
      row,
      { paths: j.paths, keepNew: mode === 'finish' && j.keepNew },
      j,
    );
    report.resumed = j.snapshot;
    return report;
  }

  private async restoreLocked(
    row: SnapshotRow,
    opts: RestoreOptions,
    journal: RestoreJournal | undefined,
  ): Promise<RestoreReport> {
    if (row.root !== this.root.root) {
      throw new UserInputError(
        `snapshot ${row.id} was taken of root ${row.root}, not ${this.root.root} (use --root ${row.root})`,
      );
    }
    const entries = this.loadEntries(row);
    const tops = [...row.meta.paths, ...row.meta.outsidePaths];
    let scope: string[] | undefined;
    if (opts.paths && opts.paths.length > 0) {
      scope = opts.paths.map((p) => {
        const b = bytePath(path.isAbsolute(p) ? normalizeHost(p) : p);
        if (!tops.some((t) => isWithin(b, t))) {
          throw new UserInputError(
            `${p} is not in snapshot ${row.id} (it captured ${tops.map(displayPath).join(', ')})`,
          );
        }
        return b;
      });
    }
    const inScope = (e: ManifestEntry) => !scope || scope.some((s) => isWithin(e.path, s));
    const target = entries.filter(inScope);
    // A whole restore walks the live trees once: that walk stores what changed and becomes the
    // pre-restore snapshot (committed only if there is something to restore). Dry runs, scoped
    // restores and resumes walk without storing.
    const captured =
      !scope && !journal && !opts.dryRun
        ? await this.captureTops(
            dedupeTops([
              ...row.meta.paths.map((p) => ({ path: p, outside: false })),
              ...row.meta.outsidePaths.map((p) => ({ path: p, outside: true })),
            ]),
          )
        : undefined;
    const live = captured ? captured.cap.entries : (await this.liveSide(row, scope)).entries.filter(inScope);
    const ops = planRestore(target, live, opts.keepNew ?? false);
    const report: RestoreReport = {
      snapshot: row.id,
      dryRun: opts.dryRun ?? false,
      plan: describePlan(ops),
      restored: ops.filter((o) => o.kind !== 'remove').map((o) => displayPath(o.path)),
      removed: ops.filter((o) => o.kind === 'remove').map((o) => displayPath(o.path)),
      problems: [],
    };
    if (opts.dryRun) return report;
    if (ops.length === 0) {
      this.objects.abandonPending();
      // A resumed restore that has nothing left to do is finished: its journal goes.
      if (journal) fs.rmSync(this.journalFile, { force: true });
      return report;
    }
    try {
      preflight({ rootPrefix: this.rootPrefix, objects: this.objects }, ops);
    } catch (e) {
      this.objects.abandonPending();
      throw e;
    }

    let preRestore = journal?.preRestore;
    const preRequest: SnapshotRequest = {
      kind: 'pre-restore',
      description: `before restoring ${row.id}`,
      trigger: `restore ${row.id}`,
    };
    if (captured) {
      try {
        preRestore = (await this.commitCapture(preRequest, captured, [row.id])).id;
      } catch (e) {
        this.objects.abandonPending();
        throw e;
      }
    } else if (!journal) {
      const pre = await this.snapshotLocked(
        {
          kind: 'pre-restore',
          description: `before restoring ${row.id}`,
          trigger: `restore ${row.id}`,
          extraPaths: row.meta.paths.map(displayPath),
        },
        [row.id],
      );
      preRestore = pre.id;
    }
    if (preRestore) report.preRestoreSnapshot = preRestore;
    const journalId = journal?.journalId ?? randomBytes(4).toString('hex');
    const ctx = { rootPrefix: this.rootPrefix, journalId };
    const j: RestoreJournal = {
      journalId,
      snapshot: journal?.snapshot ?? row.id,
      ...(preRestore ? { preRestore } : {}),
      paths: opts.paths ?? [],
      keepNew: opts.keepNew ?? false,
      temps: [...new Set([...(journal?.temps ?? []), ...tempPaths(ctx, ops)])],
      startedAt: journal?.startedAt ?? new Date().toISOString(),
    };
    await atomicWrite(this.journalFile, JSON.stringify(j));
    report.problems = await executeRestore(
      { ...ctx, objects: this.objects, runner: this.runner, snapshotEntries: entries },
      ops as RestoreOp[],
    );
    fs.rmSync(this.journalFile, { force: true });
    return report;
  }
}

/** dpkg's status file identity (inode, size, mtime, ctime), or undefined without dpkg. */
function dpkgStamp(root: RootPath): string | undefined {
  const st = fs.statSync(root.real('/var/lib/dpkg/status'), { throwIfNoEntry: false });
  const upd = fs.statSync(root.real('/var/lib/dpkg/updates'), { throwIfNoEntry: false });
  if (!st) return undefined;
  return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}:${upd?.mtimeMs ?? 0}`;
}

function summary(row: SnapshotRow): SnapshotSummary {
  return {
    id: row.id,
    time: row.time,
    kind: row.kind,
    description: row.description,
    trigger: row.trigger,
    files: row.files,
    changed: row.changed,
    bytes: row.bytes,
    pinned: row.pinned,
  };
}

export function openSnapshotStore(opts: SnapshotStoreOptions): SnapshotStore {
  return new Store(opts);
}
