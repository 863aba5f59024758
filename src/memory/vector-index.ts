// Semantic memory's vector index: the sqlite-vec extension loaded into the store's own
// better-sqlite3 connection, and one vec0 table (memory_vec) of embeddings for one embedding model
// at a time, keyed like memory_fts (rowid = shared id * 8 + kind code), so a vector hit and a
// full-text hit of the same row have the same key. Vectors arrive as Float32Array from callers:
// this module never embeds, never touches the network and imports no other layer. Transactions
// are the caller's (MemoryStore.transaction); see docs/decisions/140.
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { AiosError } from '../errors.js';
import { FTS_SOURCES, KIND_CODE, MEMORY_KINDS, type MemoryKind } from './migrations.js';

/**
 * Kinds that get vectors. Audit rows repeat the decisions and tool calls they chain, and a
 * reconcile run's row is rewritten when it finishes (its vector would describe the unfinished
 * run): both stay full-text only, which also keeps the number of rows sent to the model down.
 */
export const VECTOR_KINDS: readonly MemoryKind[] = ['command', 'chat', 'tool', 'decision', 'event'];

/** Longest text sent to the embedding model, in characters: diffs and tool output can be huge, and
 *  embedding models cap their input (8k tokens for OpenAI's); the start of a row says what it is. */
export const EMBED_TEXT_MAX = 2000;

/** sqlite-vec's own ceiling on k for a KNN query. */
const MAX_K = 4096;

export type VectorSupport = { ok: true; version: string } | { ok: false; reason: string };

export interface VectorMeta {
  model: string;
  dim: number;
  createdTs: number;
  checkedUpto: number;
}

export interface PendingRow {
  kind: MemoryKind;
  id: number;
  /** The stored (redacted) text, whitespace collapsed and cut to EMBED_TEXT_MAX. */
  text: string;
}

export interface VectorItem {
  kind: MemoryKind;
  id: number;
  /** null = nothing worth embedding; the row is marked done without a vector. */
  vector: Float32Array | null;
}

export interface StoreVectorsResult {
  stored: number;
  /** Set when this call (re)created the index; says why, for the user. */
  notice?: string;
}

export interface VectorMatch {
  kind: MemoryKind;
  id: number;
  /** Cosine distance, 0 = same direction, 2 = opposite. */
  distance: number;
}

const KIND_BY_CODE = new Map<number, MemoryKind>(MEMORY_KINDS.map((k) => [KIND_CODE[k], k]));
// Per kind: its table and the key expression of its rows (every VECTOR_KINDS table has an `id` key).
const SOURCES = VECTOR_KINDS.map((k) => ({ table: FTS_SOURCES[k].table, key: `id * 8 + ${KIND_CODE[k]}` }));

export function vectorKey(kind: MemoryKind, id: number): number {
  return id * 8 + KIND_CODE[kind];
}

function fromKey(key: number): { kind: MemoryKind; id: number } {
  return { kind: KIND_BY_CODE.get(key & 7) ?? 'command', id: Math.floor(key / 8) };
}

/** The text the index embeds for a memory_fts body. */
export function embedText(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > EMBED_TEXT_MAX ? flat.slice(0, EMBED_TEXT_MAX) : flat;
}

/**
 * Loads sqlite-vec into `db`. Never throws: a platform without the prebuilt package, or a blocked
 * extension, turns semantic search off with this reason while full-text search keeps working.
 * `extensionPath` overrides the package's loadable (tests); false disables vectors.
 */
export function loadVectorExtension(db: Database.Database, extensionPath?: string | false): VectorSupport {
  if (extensionPath === false) return { ok: false, reason: 'vector search is disabled for this store' };
  try {
    let file = extensionPath;
    if (file === undefined) {
      // createRequire: the package's CJS entry resolves the per-platform package synchronously.
      const sqliteVec = createRequire(import.meta.url)('sqlite-vec') as { getLoadablePath(): string };
      file = sqliteVec.getLoadablePath();
    }
    db.loadExtension(file);
    const version = db.prepare('SELECT vec_version()').pluck().get() as string;
    return { ok: true, version };
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n', 1)[0];
    return { ok: false, reason: `sqlite-vec could not be loaded: ${message}` };
  }
}

export class VectorIndex {
  private readonly stmts = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    readonly support: VectorSupport,
  ) {}

  meta(): VectorMeta | undefined {
    const row = this.stmt(
      'SELECT model, dim, created_ts, checked_upto FROM vector_meta WHERE id = 1',
    ).get() as { model: string; dim: number; created_ts: number; checked_upto: number } | undefined;
    return row
      ? { model: row.model, dim: row.dim, createdTs: row.created_ts, checkedUpto: row.checked_upto }
      : undefined;
  }

  /** Rows without a vector for `model`, newest first (the newest history matters most when a
   *  bounded batch is all a search can afford). A model the index does not hold: every row.
   *  Call discover() first (in a write transaction) when hasUndiscovered(model). */
  pending(model: string, limit: number): PendingRow[] {
    const n = Math.max(0, Math.floor(limit));
    const keys = this.holds(model)
      ? (this.stmt('SELECT fts_rowid FROM vector_keys WHERE embedded = 0 ORDER BY fts_rowid DESC LIMIT ?')
          .pluck()
          .all(n) as number[])
      : this.newestKeys(n);
    const body = this.stmt('SELECT body FROM memory_fts WHERE rowid = ?').pluck();
    const rows: PendingRow[] = [];
    for (const key of keys) {
      const text = body.get(key) as string | undefined;
      // A row deleted after it was entered has nothing to embed; forget() marks it.
      rows.push({ ...fromKey(key), text: text === undefined ? '' : embedText(text) });
    }
    return rows;
  }

  pendingCount(model: string): number {
    if (!this.holds(model)) return this.countAbove(0);
    const waiting = this.stmt('SELECT count(*) FROM vector_keys WHERE embedded = 0').pluck().get() as number;
    return waiting + this.countAbove(this.meta()?.checkedUpto ?? 0);
  }

  /** Rows were added since the index last looked (ids only grow: one comparison). */
  hasUndiscovered(model: string): boolean {
    const meta = this.meta();
    return meta !== undefined && meta.model === model && this.lastId() > meta.checkedUpto;
  }

  /** Enters the rows added since the last look as pending, through each table's primary key: the
   *  cost is the number of new rows, never the size of the history. Call inside a write transaction. */
  discover(model: string): void {
    const meta = this.meta();
    if (meta === undefined || meta.model !== model) return;
    const upto = this.lastId();
    if (upto <= meta.checkedUpto) return;
    for (const { table, key } of SOURCES) {
      this.stmt(
        `INSERT OR IGNORE INTO vector_keys(fts_rowid, embedded) SELECT ${key}, 0 FROM ${table} WHERE id > ?`,
      ).run(meta.checkedUpto);
    }
    this.stmt('UPDATE vector_meta SET checked_upto = ? WHERE id = 1').run(upto);
  }

  /** Marks pending rows whose memory row is gone as needing no vector. Call inside a write
   *  transaction. */
  forget(rows: readonly { kind: MemoryKind; id: number }[]): void {
    const mark = this.stmt('UPDATE vector_keys SET embedded = 2 WHERE fts_rowid = ? AND embedded = 0');
    for (const r of rows) mark.run(vectorKey(r.kind, r.id));
  }

  /** Embedded rows (vectors) of the index, whatever the model. */
  count(): number {
    return this.stmt('SELECT count(*) FROM vector_keys WHERE embedded = 1').pluck().get() as number;
  }

  /**
   * Stores vectors for `model`. All vectors of one call share one dimension. The index holds one
   * (model, dimension): a different one drops and re-creates it (every row is embedded again with
   * the new model) and the result's notice says so. Rows already indexed (another process got
   * there first) are skipped. Call inside a write transaction.
   */
  store(model: string, items: readonly VectorItem[]): StoreVectorsResult {
    this.requireSupport();
    const vectors = items.flatMap((i) => (i.vector ? [i.vector] : []));
    const dim = vectors[0]?.length;
    for (const v of vectors) {
      if (v.length !== dim) {
        throw new AiosError(
          `embedding model ${model} returned vectors of different lengths (${dim} and ${v.length})`,
        );
      }
      if (!v.every(Number.isFinite))
        throw new AiosError(`embedding model ${model} returned a non-finite value`);
    }
    if (dim === 0) throw new AiosError(`embedding model ${model} returned empty vectors`);
    let meta = this.meta();
    let notice: string | undefined;
    if (dim !== undefined && (meta === undefined || meta.model !== model || meta.dim !== dim)) {
      notice = this.recreate(model, dim, meta);
      meta = this.meta();
    }
    // Without a vector there is no dimension to create an index with: leave such rows pending.
    if (meta === undefined || meta.model !== model) return { stored: 0, ...(notice ? { notice } : {}) };
    // Rows stored before this call was prepared stay as they are: another process got there first.
    const state = this.stmt('SELECT embedded FROM vector_keys WHERE fts_rowid = ?').pluck();
    const setKey = this.stmt(
      `INSERT INTO vector_keys(fts_rowid, embedded) VALUES (?, ?)
       ON CONFLICT(fts_rowid) DO UPDATE SET embedded = excluded.embedded`,
    );
    const addVec = this.stmt('INSERT INTO memory_vec(rowid, embedding, kind) VALUES (?, ?, ?)');
    let stored = 0;
    for (const item of items) {
      const key = vectorKey(item.kind, item.id);
      const current = state.get(key) as number | undefined;
      if (current !== undefined && current !== 0) continue;
      setKey.run(key, item.vector ? 1 : 2);
      if (item.vector) {
        // vec0 takes only integer rowids, and better-sqlite3 binds a JS number as a float.
        addVec.run(BigInt(key), item.vector, BigInt(KIND_CODE[item.kind]));
        stored += 1;
      }
    }
    // Whatever else exists now is entered as pending (rows from before a re-created index too).
    this.discover(model);
    return { stored, ...(notice ? { notice } : {}) };
  }

  /** The `limit` nearest rows to `vector` for `model`, nearest first; [] when the index holds
   *  another model or dimension (its vectors are not comparable). */
  search(model: string, vector: Float32Array, opts: { limit: number; kind?: MemoryKind }): VectorMatch[] {
    this.requireSupport();
    const meta = this.meta();
    if (meta === undefined || meta.model !== model || meta.dim !== vector.length) return [];
    if (opts.kind !== undefined && !VECTOR_KINDS.includes(opts.kind)) return [];
    const k = Math.min(Math.max(1, Math.floor(opts.limit)), MAX_K);
    const kindFilter = opts.kind === undefined ? '' : 'AND kind = ?';
    const rows = this.stmt(
      `SELECT rowid AS key, distance FROM memory_vec WHERE embedding MATCH ? AND k = ? ${kindFilter} ORDER BY distance`,
    ).all(vector, k, ...(opts.kind === undefined ? [] : [BigInt(KIND_CODE[opts.kind])])) as {
      key: number;
      distance: number | null;
    }[];
    // A zero query vector (a text the model found nothing in) has no cosine: vec0 says null. No match.
    return rows.flatMap((r) =>
      typeof r.distance === 'number' && Number.isFinite(r.distance)
        ? [{ ...fromKey(r.key), distance: r.distance }]
        : [],
    );
  }

  private requireSupport(): void {
    if (!this.support.ok) throw new AiosError(`vector search is off: ${this.support.reason}`);
  }

  holds(model: string): boolean {
    return this.meta()?.model === model;
  }

  private lastId(): number {
    return this.stmt('SELECT value FROM id_counter WHERE id = 1').pluck().get() as number;
  }

  /** The newest `n` embeddable rows across kinds, each table walked backwards by its key. */
  private newestKeys(n: number): number[] {
    const branches = SOURCES.map(
      ({ table, key }) => `SELECT * FROM (SELECT ${key} AS k FROM ${table} ORDER BY id DESC LIMIT @n)`,
    );
    return this.stmt(`SELECT k FROM (${branches.join(' UNION ALL ')}) ORDER BY k DESC LIMIT @n`)
      .pluck()
      .all({ n }) as number[];
  }

  private countAbove(id: number): number {
    let total = 0;
    for (const { table } of SOURCES) {
      total += this.stmt(`SELECT count(*) FROM ${table} WHERE id > ?`).pluck().get(id) as number;
    }
    return total;
  }

  private recreate(model: string, dim: number, old: VectorMeta | undefined): string {
    this.db.exec('DROP TABLE IF EXISTS memory_vec');
    this.db.exec('DELETE FROM vector_keys');
    this.db.exec(
      `CREATE VIRTUAL TABLE memory_vec USING vec0(embedding float[${dim}] distance_metric=cosine, kind integer)`,
    );
    this.stmt(
      `INSERT INTO vector_meta(id, model, dim, created_ts, checked_upto) VALUES (1, ?, ?, ?, 0)
       ON CONFLICT(id) DO UPDATE SET model = excluded.model, dim = excluded.dim,
         created_ts = excluded.created_ts, checked_upto = 0`,
    ).run(model, dim, Date.now());
    // DROP/CREATE invalidate prepared statements that touch memory_vec.
    for (const sql of [...this.stmts.keys()]) if (sql.includes('memory_vec')) this.stmts.delete(sql);
    if (old === undefined) return `vector index created for embedding model ${model} (${dim} dimensions)`;
    const why =
      old.model === model
        ? `embedding model ${model} now returns ${dim} dimensions instead of ${old.dim}`
        : `embedding model changed from ${old.model} to ${model}`;
    return `${why}: vector index re-created, every row will be embedded again`;
  }

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }
}
