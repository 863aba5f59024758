// The SQLite memory of AIOS: command history, chats, tool calls, policy decisions, reconcile runs and
// resource events, a hash-chained audit log, and full-text search over all of it. It must not import
// any other layer (ARCHITECTURE.md §1), write to the terminal, or store anything unredacted.
//
// PUBLIC API (for the reconcile, policy, agent, daemon and CLI code)
//
//   const mem = openMemory(path, { busyTimeoutMs?, readonly? });   // creates dirs (0700) + file (0600);
//                                                    // HostError naming the path when it cannot open
//
//   Recording: every string and JSON value goes through redact()/redactValue() first. `ts` is optional
//   everywhere (ms epoch or Date; default now). Each call is its own BEGIN IMMEDIATE transaction, or
//   joins the one opened by mem.transaction(fn) (use that for batches: 10-100x faster).
//     mem.recordCommand({argv, cwd?, exitCode?, durationMs?, source?})            -> id
//     mem.createSession({id?, title?, provider?, model?})                          -> session id (string)
//     mem.addMessage({sessionId, role: system|user|assistant|tool, content, data?}) -> id
//     mem.recordToolCall({tool, args, resultSummary?, exitCode?, durationMs?, sessionId?, runId?, resourceId?}) -> id
//     mem.recordDecision({action: Action | string, verdict, rule, reason, source}) -> id
//     mem.startRun({trigger}) -> runId;   mem.finishRun(runId, {status, summary?})
//     mem.recordEvent({runId?, resourceId, status: applied|drift|failed|blocked|unchanged,
//                      label: 'aios'|'external', changes?: Change[], diff?, message?})   -> id
//     mem.appendAudit(kind, payload) -> {seq, hash}   // append-only, hash-chained; kinds such as
//                      'policy.decision', 'tool.call', 'apply', 'restore', 'approval', 'config.reload'
//   Nothing else audits for you: record* methods never append audit rows on their own.
//   Ids come from one sequence shared by every table. Insert only through these methods: a row
//   inserted with mem.db directly is not indexed for search (updates and deletes are, by trigger).
//
//   Reading:
//     mem.search(text, {limit?, kind?, mark?, window?}) -> SearchHit[] (FTS5, bm25 over the newest
//                      `window` (1000) matches, snippets; any text is safe)
//     mem.history({limit?, kind?, before?})     -> HistoryEntry[] newest first, across kinds or one kind
//     mem.verifyAudit()                         -> {ok, count, head} | {ok:false, firstBrokenSeq, reason}
//     mem.auditEntries({limit?, afterSeq?})     -> AuditEntry[]
//     mem.lastRun(), mem.runEvents(runId), mem.latestSession(), mem.getSession(id), mem.messages(sessionId)
//     mem.counts() -> rows per table;  mem.sizeBytes() -> db + wal + shm;  mem.close()
//
//   Semantic memory (vectors come in as Float32Array from the caller, who owns the embedding model;
//   docs/decisions/140-141). sqlite-vec loads lazily on first use; when it cannot, vectorSupport()
//   says why and the vector methods throw while everything else works:
//     mem.vectorSupport()                        -> {ok:true, version} | {ok:false, reason}
//     mem.vectorStatus(model?)                   -> {available, reason?, model?, dim?, vectors, pending?}
//     mem.pendingVectors(model, {limit})         -> [{kind, id, text}] rows with no vector, newest first
//     mem.storeVectors(model, [{kind, id, vector}]) -> {stored, notice?}  (notice: index (re)created)
//     mem.vectorSearch(model, vector, {limit?, kind?}) -> [{kind, id, distance}] nearest first
//     mem.hybridSearch(text, {model, vector} | undefined, {limit?, kind?, mark?}) -> HybridHit[]
//                      (RRF of full-text and vector hits, each marked fts | vector | both)
//   Kinds (history/search filters): command | chat | tool | decision | reconcile | event | audit.
//
// Concurrency: WAL, busy_timeout (default 5 s) and BEGIN IMMEDIATE for every write, so several
// processes (CLI, daemon, other containers sharing the file) can write at once without SQLITE_BUSY
// and without forking the audit chain.
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { AiosError, HostError } from '../errors.js';
import {
  type AuditRow,
  type AuditVerifyResult,
  canonicalJson,
  GENESIS_HASH,
  hashAuditRow,
  verifyAuditRows,
} from './audit-chain.js';
import { makeSnippet, searchTerms, toFtsQuery } from './fts-query.js';
import { fuseRrf, type HybridHit } from './hybrid-search.js';
import type {
  AuditEntry,
  ChatMessageRecord,
  ChatMessageRow,
  ChatSessionRecord,
  ChatSessionRow,
  CommandRecord,
  DecisionRecord,
  HistoryEntry,
  HistoryOptions,
  ReconcileRunFinish,
  ReconcileRunRow,
  ReconcileRunStart,
  ResourceEventRecord,
  SearchHit,
  SearchOptions,
  TimeInput,
  ToolCallRecord,
} from './memory-types.js';
import { ftsInsertSql, KIND_CODE, MEMORY_KINDS, type MemoryKind, migrate } from './migrations.js';
import { redact, redactArgv, redactValue } from './redact.js';
import { openSqlite, useWal } from './sqlite-open.js';
import {
  loadVectorExtension,
  type PendingRow,
  type StoreVectorsResult,
  VectorIndex,
  type VectorItem,
  type VectorMatch,
  type VectorSupport,
  vectorKey,
} from './vector-index.js';

export type { AuditVerifyResult } from './audit-chain.js';
export type { HitSource, HybridHit } from './hybrid-search.js';
export type {
  PendingRow,
  StoreVectorsResult,
  VectorItem,
  VectorMatch,
  VectorSupport,
} from './vector-index.js';

export interface VectorStatus {
  /** sqlite-vec loaded: vectors can be stored and searched. */
  available: boolean;
  /** Why not, when unavailable. */
  reason?: string;
  /** The model and dimension the index holds, once it holds any. */
  model?: string;
  dim?: number;
  /** Rows with a vector. */
  vectors: number;
  /** Rows still without a vector for the model asked about. */
  pending?: number;
}

export interface OpenMemoryOptions {
  /** How long a write waits for another writer's lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Open an existing database read-only (no migrations, no file creation). */
  readonly?: boolean;
  /** The sqlite-vec loadable to use instead of the npm package's (tests); false = no vectors. */
  vectorExtension?: string | false;
}

export const MEMORY_TABLES = [
  'commands',
  'chat_sessions',
  'chat_messages',
  'tool_calls',
  'decisions',
  'reconcile_runs',
  'resource_events',
  'audit_log',
] as const;

const KIND_TABLE: Record<MemoryKind, { table: string; id: string }> = {
  command: { table: 'commands', id: 'id' },
  chat: { table: 'chat_messages', id: 'id' },
  tool: { table: 'tool_calls', id: 'id' },
  decision: { table: 'decisions', id: 'id' },
  reconcile: { table: 'reconcile_runs', id: 'id' },
  event: { table: 'resource_events', id: 'id' },
  audit: { table: 'audit_log', id: 'seq' },
};
const KIND_BY_CODE = new Map<number, MemoryKind>(MEMORY_KINDS.map((k) => [KIND_CODE[k], k]));
// Built once: the hot insert path looks statements up by these exact strings.
const FTS_INSERT = Object.fromEntries(MEMORY_KINDS.map((k) => [k, ftsInsertSql(k)])) as Record<
  MemoryKind,
  string
>;

type Row = Record<string, unknown>;

export function openMemory(file: string, options: OpenMemoryOptions = {}): MemoryStore {
  return new MemoryStore(file, options);
}

export class MemoryStore {
  readonly path: string;
  readonly db: Database.Database;
  private readonly stmts = new Map<string, Database.Statement>();
  private lastId: number | undefined;
  private auditHead: { seq: number; hash: string } | undefined;
  private vectors: VectorIndex | undefined;

  constructor(
    file: string,
    private readonly options: OpenMemoryOptions = {},
  ) {
    this.path = path.resolve(file);
    try {
      this.db = openDatabase(this.path, options);
    } catch (error) {
      if (error instanceof AiosError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new HostError(
        `cannot open memory at ${this.path}: ${(error as Error).message}${code && !(error as Error).message.includes(code) ? ` (${code})` : ''}`,
      );
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** How long a write waits for another writer's lock from now on (as `busyTimeoutMs` at open). */
  setBusyTimeout(ms: number): void {
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
  }

  /** Runs `fn` in one BEGIN IMMEDIATE transaction (nested calls join it). Use for batches. */
  transaction<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.db
      .transaction(() => {
        this.lastId = undefined;
        this.auditHead = undefined;
        try {
          const result = fn();
          // Counters are written once per transaction, last: a per-row UPDATE (or an AFTER INSERT
          // trigger) would open statement savepoints, and FTS5 flushes its index at each one.
          this.flushCounters();
          return result;
        } finally {
          this.lastId = undefined;
          this.auditHead = undefined;
        }
      })
      .immediate();
  }

  private flushCounters(): void {
    if (this.lastId !== undefined) this.stmt('UPDATE id_counter SET value = ? WHERE id = 1').run(this.lastId);
    const head = this.auditHead;
    if (head !== undefined) {
      this.stmt('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1').run(head.seq, head.hash);
    }
  }

  /** The next shared row id. Only inside a write transaction: the counter is read once under the
   *  write lock, advanced in memory, and written back before commit (one UPDATE per batch). */
  private nextId(): number {
    if (this.lastId === undefined) {
      this.lastId = this.stmt('SELECT value FROM id_counter WHERE id = 1').pluck().get() as number;
    }
    this.lastId += 1;
    return this.lastId;
  }

  // ---- recording ------------------------------------------------------------------------------

  recordCommand(rec: CommandRecord): number {
    const argv = redactArgv(rec.argv.map(String));
    return this.insert(
      'command',
      'INSERT INTO commands(id, ts, argv, command, cwd, exit_code, duration_ms, source) VALUES (?,?,?,?,?,?,?,?)',
      [
        ms(rec.ts),
        JSON.stringify(argv),
        argv.map(shellQuote).join(' '),
        opt(rec.cwd),
        rec.exitCode ?? null,
        rec.durationMs === undefined ? null : Math.round(rec.durationMs),
        redact(rec.source ?? 'aios'),
      ],
    );
  }

  createSession(rec: ChatSessionRecord = {}): string {
    const id = rec.id ?? randomUUID();
    this.transaction(() =>
      this.stmt('INSERT INTO chat_sessions(id, ts, title, provider, model) VALUES (?,?,?,?,?)').run(
        id,
        ms(rec.ts),
        opt(rec.title),
        opt(rec.provider),
        opt(rec.model),
      ),
    );
    return id;
  }

  addMessage(rec: ChatMessageRecord): number {
    return this.insert(
      'chat',
      'INSERT INTO chat_messages(id, session_id, ts, role, content, data) VALUES (?,?,?,?,?,?)',
      [rec.sessionId, ms(rec.ts), rec.role, redact(rec.content), json(rec.data)],
    );
  }

  recordToolCall(rec: ToolCallRecord): number {
    return this.insert(
      'tool',
      `INSERT INTO tool_calls(id, ts, tool, args, result_summary, exit_code, duration_ms, session_id, run_id, resource_id)
       VALUES (?,?,?,?,?,?,?,?,?,?)`,
      [
        ms(rec.ts),
        rec.tool,
        json(rec.args ?? {}) ?? '{}',
        opt(rec.resultSummary),
        rec.exitCode ?? null,
        rec.durationMs === undefined ? null : Math.round(rec.durationMs),
        rec.sessionId ?? null,
        rec.runId ?? null,
        opt(rec.resourceId),
      ],
    );
  }

  recordDecision(rec: DecisionRecord): number {
    const isText = typeof rec.action === 'string';
    const action = isText ? redact(rec.action as string) : (json(rec.action) ?? '{}');
    const tool = isText ? null : (rec.action as { tool?: string }).tool;
    const resource = isText ? null : (rec.action as { resource?: string }).resource;
    return this.insert(
      'decision',
      'INSERT INTO decisions(id, ts, action, tool, verdict, rule, reason, source, resource_id) VALUES (?,?,?,?,?,?,?,?,?)',
      [
        ms(rec.ts),
        action,
        tool ?? null,
        rec.verdict,
        redact(rec.rule),
        redact(rec.reason),
        redact(rec.source),
        opt(resource ?? undefined),
      ],
    );
  }

  startRun(rec: ReconcileRunStart): number {
    return this.insert('reconcile', 'INSERT INTO reconcile_runs(id, ts, trigger) VALUES (?,?,?)', [
      ms(rec.ts),
      redact(rec.trigger),
    ]);
  }

  finishRun(runId: number, rec: ReconcileRunFinish): void {
    this.transaction(() => {
      this.stmt('UPDATE reconcile_runs SET finished_ts = ?, status = ?, summary = ? WHERE id = ?').run(
        ms(rec.ts),
        redact(rec.status),
        json(rec.summary),
        runId,
      );
    });
  }

  recordEvent(rec: ResourceEventRecord): number {
    return this.insert(
      'event',
      `INSERT INTO resource_events(id, run_id, ts, resource_id, status, label, changes, diff, message)
       VALUES (?,?,?,?,?,?,?,?,?)`,
      [
        rec.runId ?? null,
        ms(rec.ts),
        redact(rec.resourceId),
        rec.status,
        rec.label,
        json(rec.changes),
        opt(rec.diff),
        opt(rec.message),
      ],
    );
  }

  /** Appends one audit row chained to the previous one. The read of the last hash and the insert
   *  happen under one write lock (BEGIN IMMEDIATE), so concurrent writers cannot fork the chain. */
  appendAudit(kind: string, payload: unknown, ts?: TimeInput): { seq: number; hash: string } {
    const body = canonicalJson(redactValue(payload ?? null));
    const safeKind = redact(kind);
    return this.transaction(() => {
      const last = this.stmt('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
        | { seq: number; hash: string }
        | undefined;
      const prevHash = last?.hash ?? GENESIS_HASH;
      const row = { seq: (last?.seq ?? 0) + 1, ts: ms(ts), kind: safeKind, payload: body };
      const hash = hashAuditRow(prevHash, row);
      const id = this.nextId();
      this.stmt(
        'INSERT INTO audit_log(seq, id, ts, kind, payload, prev_hash, hash) VALUES (?,?,?,?,?,?,?)',
      ).run(row.seq, id, row.ts, row.kind, row.payload, prevHash, hash);
      this.stmt(FTS_INSERT.audit).run({ id });
      this.auditHead = { seq: row.seq, hash };
      return { seq: row.seq, hash };
    });
  }

  // ---- reading --------------------------------------------------------------------------------

  verifyAudit(): AuditVerifyResult {
    const head = this.db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as
      | { seq: number; hash: string }
      | undefined;
    const rows = this.db
      .prepare('SELECT seq, ts, kind, payload, prev_hash, hash FROM audit_log ORDER BY seq')
      .iterate() as IterableIterator<AuditRow>;
    return verifyAuditRows(rows, head);
  }

  auditEntries(opts: { limit?: number; afterSeq?: number } = {}): AuditEntry[] {
    const rows = this.stmt('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?').all(
      opts.afterSeq ?? 0,
      clampLimit(opts.limit, 1000),
    ) as AuditRow[];
    return rows.map((r) => ({
      seq: r.seq,
      ts: iso(r.ts),
      kind: r.kind,
      payload: parseJson(r.payload),
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
  }

  /**
   * Full-text search, best bm25 match first. Any user text is accepted; nothing searchable -> [].
   * Ranking covers the newest `window` matches (default 1000; 0 = all): exact for every term rarer
   * than that, and bounded in cost for terms that match half the history (docs/decisions/021).
   */
  search(text: string, opts: SearchOptions = {}): SearchHit[] {
    const query = toFtsQuery(text);
    if (query === null) return [];
    const [open, close] = opts.mark ?? ['[', ']'];
    const kindFilter = opts.kind === undefined ? '' : 'AND (rowid & 7) = ?';
    const limit = clampLimit(opts.limit, 20);
    const asked = opts.window === undefined ? 1000 : Math.max(0, Math.floor(opts.window));
    // Never fewer candidates than the rows asked for.
    const window = asked === 0 ? 0 : Math.max(asked, limit);
    // The inner query walks the doclist newest first and stops after `window` matches (FTS5 does
    // ORDER BY rowid DESC natively); bm25 keeps the table-wide idf. FTS5's own `ORDER BY rank`
    // would rank every match, ignoring any rowid bound.
    const ranked = this.stmt(
      `SELECT rowid, b FROM (
         SELECT rowid, bm25(memory_fts) AS b FROM memory_fts
         WHERE memory_fts MATCH ? ${kindFilter} ORDER BY rowid DESC LIMIT ?
       ) ORDER BY b, rowid DESC LIMIT ?`,
    ).all(
      query,
      ...(opts.kind === undefined ? [] : [KIND_CODE[opts.kind]]),
      window === 0 ? -1 : window,
      limit,
    ) as { rowid: number; b: number }[];
    // Snippets only for the rows shown, from the stored text by rowid (no second MATCH).
    const bodyStmt = this.stmt('SELECT ts, body FROM memory_fts WHERE rowid = ?');
    const terms = searchTerms(text);
    const hits: SearchHit[] = [];
    for (const r of ranked) {
      const row = bodyStmt.get(r.rowid) as { ts: number; body: string } | undefined;
      if (!row) continue;
      const kind = KIND_BY_CODE.get(r.rowid & 7) ?? 'command';
      const id = Math.floor(r.rowid / 8);
      hits.push({
        kind,
        // audit rows are known by their chain position, not the shared id
        id: kind === 'audit' ? this.auditSeq(id) : id,
        ts: iso(row.ts),
        snippet: makeSnippet(row.body, terms, open, close),
        score: -r.b,
      });
    }
    return hits;
  }

  // ---- semantic memory (vectors) ---------------------------------------------------------------

  /** Whether vectors work here; loads sqlite-vec into this connection on first call. */
  vectorSupport(): VectorSupport {
    return this.vectorIndex().support;
  }

  vectorStatus(model?: string): VectorStatus {
    const index = this.vectorIndex();
    const meta = index.meta();
    return {
      available: index.support.ok,
      ...(index.support.ok ? {} : { reason: index.support.reason }),
      ...(meta ? { model: meta.model, dim: meta.dim } : {}),
      vectors: index.count(),
      ...(model === undefined ? {} : { pending: index.pendingCount(model) }),
    };
  }

  /** Rows that have no vector for `model` yet, newest first, with the stored (redacted) text to
   *  embed. Never anything else: what was not stored cannot be embedded. */
  pendingVectors(model: string, opts: { limit?: number } = {}): PendingRow[] {
    const index = this.vectorIndex();
    if (index.hasUndiscovered(model)) this.transaction(() => index.discover(model));
    const limit = clampLimit(opts.limit, 64);
    for (;;) {
      const rows = index.pending(model, limit);
      const gone = rows.filter((r) => r.text === '');
      if (gone.length === 0 || !index.holds(model)) return rows.filter((r) => r.text !== '');
      // Rows deleted since they were entered: marked, so the next look does not meet them again.
      this.transaction(() => index.forget(gone));
    }
  }

  /** Stores the caller's embeddings of pending rows; see VectorIndex.store for the model rules. */
  storeVectors(model: string, items: readonly VectorItem[]): StoreVectorsResult {
    const index = this.vectorIndex();
    return this.transaction(() => index.store(model, items));
  }

  /** The rows nearest to `vector` (cosine), nearest first; [] when the index holds another model. */
  vectorSearch(
    model: string,
    vector: Float32Array,
    opts: { limit?: number; kind?: MemoryKind } = {},
  ): VectorMatch[] {
    return this.vectorIndex().search(model, vector, {
      limit: clampLimit(opts.limit, 20),
      ...(opts.kind === undefined ? {} : { kind: opts.kind }),
    });
  }

  /**
   * Full-text hits and, given the query's embedding, vector hits, fused by reciprocal rank
   * (hybrid-search.ts). Each hit says which search found it. Without a query vector it is the
   * full-text search with every hit marked 'fts' (and bm25 as its score). Vector neighbours at
   * cosine distance `maxDistance` (default 1: no positive similarity) or more are not hits: the
   * nearest rows to an unrelated query are still unrelated.
   */
  hybridSearch(
    text: string,
    query: { model: string; vector: Float32Array } | undefined,
    opts: Omit<SearchOptions, 'window'> & { maxDistance?: number } = {},
  ): HybridHit[] {
    const limit = clampLimit(opts.limit, 20);
    const mark = opts.mark ?? ['[', ']'];
    const kind = opts.kind === undefined ? {} : { kind: opts.kind };
    if (query === undefined) {
      return this.search(text, { limit, mark, ...kind }).map((h, i) => ({
        ...h,
        source: 'fts',
        ftsRank: i + 1,
      }));
    }
    // Each list contributes its top `depth`: a row ranked below that by both would score under
    // anything a list ranks first, so deeper lists change little and cost snippets and KNN time.
    const depth = Math.min(Math.max(limit * 2, 50), 1000);
    const fts = this.search(text, { limit: depth, mark, ...kind });
    const maxDistance = opts.maxDistance ?? 1;
    const near = this.vectorSearch(query.model, query.vector, { limit: depth, ...kind }).filter(
      (m) => m.distance < maxDistance,
    );
    const ftsByKey = new Map(fts.map((h) => [`${h.kind}:${h.id}`, h]));
    const nearByKey = new Map(near.map((m) => [`${m.kind}:${m.id}`, m]));
    const bodyStmt = this.stmt('SELECT ts, body FROM memory_fts WHERE rowid = ?');
    const terms = searchTerms(text);
    const hits: HybridHit[] = [];
    for (const f of fuseRrf([...ftsByKey.keys()], [...nearByKey.keys()])) {
      if (hits.length >= limit) break;
      const ranks = {
        ...(f.ftsRank === undefined ? {} : { ftsRank: f.ftsRank }),
        ...(f.vectorRank === undefined ? {} : { vectorRank: f.vectorRank }),
      };
      const m = nearByKey.get(f.key);
      const distance = m === undefined ? {} : { distance: m.distance };
      const h = ftsByKey.get(f.key);
      if (h !== undefined) {
        hits.push({ ...h, score: f.score, source: f.source, ...ranks, ...distance });
        continue;
      }
      if (m === undefined) continue;
      // A vector-only hit: its text from memory_fts (a row deleted since it was embedded is skipped).
      const row = bodyStmt.get(vectorKey(m.kind, m.id)) as { ts: number; body: string } | undefined;
      if (!row) continue;
      hits.push({
        kind: m.kind,
        id: m.id,
        ts: iso(row.ts),
        snippet: makeSnippet(row.body, terms, mark[0], mark[1]),
        score: f.score,
        source: f.source,
        ...ranks,
        ...distance,
      });
    }
    return hits;
  }

  private vectorIndex(): VectorIndex {
    this.vectors ??= new VectorIndex(this.db, loadVectorExtension(this.db, this.options.vectorExtension));
    return this.vectors;
  }

  private auditSeq(id: number): number {
    return (this.stmt('SELECT seq FROM audit_log WHERE id = ?').pluck().get(id) as number | undefined) ?? id;
  }

  /** Newest first, across every kind or one kind. */
  history(opts: HistoryOptions = {}): HistoryEntry[] {
    const limit = clampLimit(opts.limit, 50);
    const before = opts.before === undefined ? Number.MAX_SAFE_INTEGER : ms(opts.before);
    const kinds = opts.kind ? [opts.kind] : MEMORY_KINDS;
    const entries: HistoryEntry[] = [];
    for (const kind of kinds) {
      const { table, id } = KIND_TABLE[kind];
      // Each table's newest `limit` rows through its ts index, then one merge: no full scans.
      const rows = this.stmt(
        `SELECT *, ${id} AS _id FROM ${table} WHERE ts < ? ORDER BY ts DESC, ${id} DESC LIMIT ?`,
      ).all(before, limit) as Row[];
      for (const row of rows) entries.push(toHistory(kind, row));
    }
    entries.sort((a, b) => (a.ts === b.ts ? b.id - a.id : a.ts < b.ts ? 1 : -1));
    return entries.slice(0, limit);
  }

  lastRun(): ReconcileRunRow | undefined {
    const row = this.stmt('SELECT * FROM reconcile_runs ORDER BY id DESC LIMIT 1').get() as Row | undefined;
    return row ? toRun(row) : undefined;
  }

  runEvents(runId: number): HistoryEntry[] {
    const rows = this.stmt('SELECT *, id AS _id FROM resource_events WHERE run_id = ? ORDER BY id').all(
      runId,
    ) as Row[];
    return rows.map((r) => toHistory('event', r));
  }

  latestSession(): ChatSessionRow | undefined {
    const row = this.stmt('SELECT * FROM chat_sessions ORDER BY ts DESC, rowid DESC LIMIT 1').get() as
      | Row
      | undefined;
    return row ? toSession(row) : undefined;
  }

  getSession(id: string): ChatSessionRow | undefined {
    const row = this.stmt('SELECT * FROM chat_sessions WHERE id = ?').get(id) as Row | undefined;
    return row ? toSession(row) : undefined;
  }

  messages(sessionId: string): ChatMessageRow[] {
    const rows = this.stmt('SELECT * FROM chat_messages WHERE session_id = ? ORDER BY id').all(
      sessionId,
    ) as Row[];
    return rows.map((r) => ({
      id: r.id as number,
      sessionId: r.session_id as string,
      ts: iso(r.ts as number),
      role: r.role as ChatMessageRow['role'],
      content: r.content as string,
      data: parseJson(r.data),
    }));
  }

  counts(): Record<(typeof MEMORY_TABLES)[number], number> {
    const out = {} as Record<(typeof MEMORY_TABLES)[number], number>;
    for (const table of MEMORY_TABLES) {
      out[table] = (this.stmt(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    }
    return out;
  }

  /** Bytes on disk: the database plus its -wal and -shm files. */
  sizeBytes(): number {
    let total = 0;
    for (const suffix of ['', '-wal', '-shm']) {
      try {
        total += statSync(this.path + suffix).size;
      } catch {
        // absent -wal/-shm is normal after a checkpoint
      }
    }
    return total;
  }

  // ---- internals ------------------------------------------------------------------------------

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** Runs an INSERT whose first parameter is the row's shared id; returns that id. */
  private insert(kind: MemoryKind, sql: string, params: unknown[]): number {
    return this.transaction(() => {
      const id = this.nextId();
      this.stmt(sql).run(id, ...params);
      this.stmt(FTS_INSERT[kind]).run({ id });
      return id;
    });
  }
}

function openDatabase(file: string, options: OpenMemoryOptions): Database.Database {
  let db: Database.Database;
  if (options.readonly) {
    db = openSqlite(file, { readonly: true, fileMustExist: true });
  } else {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // Create the file ourselves so it (and the -wal/-shm SQLite derives from it) is private.
    if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
    db = openSqlite(file);
  }
  try {
    const busyMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
    db.pragma(`busy_timeout = ${busyMs}`);
    if (!options.readonly) {
      useWal(db, busyMs);
      // NORMAL in WAL: durable across a crash of the process, fsync only at checkpoints.
      db.pragma('synchronous = NORMAL');
    }
    // Room for the FTS index's hot pages: batched inserts and searches over 1M rows stay in memory.
    db.pragma('cache_size = -32768');
    db.pragma('foreign_keys = ON');
    if (!options.readonly) migrate(db, file);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

// ---- row helpers --------------------------------------------------------------------------------

function ms(t: TimeInput | undefined): number {
  if (t === undefined) return Date.now();
  return typeof t === 'number' ? Math.round(t) : t.getTime();
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function opt(s: string | undefined | null): string | null {
  return s === undefined || s === null ? null : redact(String(s));
}

function json(value: unknown): string | null {
  if (value === undefined) return null;
  return JSON.stringify(redactValue(value)) ?? null;
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return text ?? null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function clampLimit(limit: number | undefined, fallback: number): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(Math.max(1, Math.floor(limit)), 100_000);
}

/** Quotes an argv element for display only when the shell would need it. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

function firstLine(text: string, max = 160): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function toHistory(kind: MemoryKind, row: Row): HistoryEntry {
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (k === '_id') continue;
    data[k] = ['argv', 'args', 'changes', 'summary', 'payload', 'data'].includes(k) ? parseJson(v) : v;
    if ((k === 'ts' || k === 'finished_ts') && typeof v === 'number') data[k] = iso(v);
  }
  if (kind === 'decision' && typeof row.action === 'string' && row.action.startsWith('{')) {
    data.action = parseJson(row.action);
  }
  return { kind, id: row._id as number, ts: iso(row.ts as number), text: describe(kind, row), data };
}

function describe(kind: MemoryKind, r: Row): string {
  switch (kind) {
    case 'command':
      return `${r.command}${r.exit_code === null || r.exit_code === undefined ? '' : `  (exit ${r.exit_code})`}`;
    case 'chat':
      return firstLine(`${r.role}: ${r.content}`);
    case 'tool':
      return firstLine(
        `${r.tool} ${r.args}${r.exit_code === null ? '' : ` (exit ${r.exit_code})`}${r.result_summary ? ` → ${r.result_summary}` : ''}`,
      );
    case 'decision':
      return firstLine(`${r.verdict} by ${r.rule}: ${r.reason} [${r.action}]`);
    case 'reconcile':
      return `${r.trigger} ${r.status}${r.finished_ts ? '' : ' (unfinished)'}`;
    case 'event':
      return firstLine(`${r.resource_id} ${r.status} (${r.label})${r.message ? `: ${r.message}` : ''}`);
    case 'audit':
      return firstLine(`#${r.seq} ${r.kind} ${r.payload}`);
  }
}

function toRun(r: Row): ReconcileRunRow {
  return {
    id: r.id as number,
    startedAt: iso(r.ts as number),
    finishedAt: typeof r.finished_ts === 'number' ? iso(r.finished_ts) : null,
    trigger: r.trigger as string,
    status: r.status as string,
    summary: parseJson(r.summary),
  };
}

function toSession(r: Row): ChatSessionRow {
  return {
    id: r.id as string,
    ts: iso(r.ts as number),
    title: (r.title as string | null) ?? null,
    provider: (r.provider as string | null) ?? null,
    model: (r.model as string | null) ?? null,
  };
}
