// Semantic memory's vector index: the sqlite-vec extension loaded into the store's own
// better-sqlite3 connection, and one vec0 table (memory_vec) of embeddings for one embedding model
// at a time, keyed like memory_fts (rowid = shared id * 8 + kind code), so a vector hit and a
// full-text hit of the same row have the same key. Vectors arrive as Float32Array from callers:
// this module never embeds, never touches the network and imports no other layer. Transactions
// are the caller's (MemoryStore.transaction); see docs/decisions/140.
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { AiosError } from '../errors.js';
import { KIND_CODE, MEMORY_KINDS, type MemoryKind } from './migrations.js';

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
const KIND_CODES_SQL = VECTOR_KINDS.map((k) => KIND_CODE[k]).join(',');

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
   *  bounded batch is all a search can afford). A model the index does not hold: every row. */
  pending(model: string, limit: number): PendingRow[] {
    const rows = this.stmt(
      `SELECT rowid AS key, body FROM memory_fts ${this.pendingWhere(model)} ORDER BY rowid DESC LIMIT ?`,
    ).all(this.scanFrom(model), Math.max(0, Math.floor(limit))) as { key: number; body: string }[];
    return rows.map((r) => ({ ...fromKey(r.key), text: embedText(r.body) }));
  }

  pendingCount(model: string): number {
    return this.stmt(`SELECT count(*) FROM memory_fts ${this.pendingWhere(model)}`)
      .pluck()
      .get(this.scanFrom(model)) as number;
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
    const seen = this.stmt('SELECT 1 FROM vector_keys WHERE fts_rowid = ?').pluck();
    const addKey = this.stmt('INSERT INTO vector_keys(fts_rowid, embedded) VALUES (?, ?)');
    const addVec = this.stmt('INSERT INTO memory_vec(rowid, embedding, kind) VALUES (?, ?, ?)');
    let stored = 0;
    for (const item of items) {
      const key = vectorKey(item.kind, item.id);
      if (seen.get(key) !== undefined) continue;
      addKey.run(key, item.vector ? 1 : 0);
      if (item.vector) {
        // vec0 takes only integer rowids, and better-sqlite3 binds a JS number as a float.
        addVec.run(BigInt(key), item.vector, BigInt(KIND_CODE[item.kind]));
        stored += 1;
      }
    }
    this.advanceWatermark(meta.checkedUpto);
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
      distance: number;
    }[];
    return rows.map((r) => ({ ...fromKey(r.key), distance: r.distance }));
  }

  private requireSupport(): void {
    if (!this.support.ok) throw new AiosError(`vector search is off: ${this.support.reason}`);
  }

  /** Rows above `?` of an embeddable kind that the index has not dealt with. */
  private pendingWhere(model: string): string {
    const meta = this.meta();
    const fresh = meta === undefined || meta.model !== model;
    return `WHERE rowid > ? AND (rowid & 7) IN (${KIND_CODES_SQL})${
      fresh ? '' : ' AND NOT EXISTS (SELECT 1 FROM vector_keys WHERE fts_rowid = memory_fts.rowid)'
    }`;
  }

  private scanFrom(model: string): number {
    const meta = this.meta();
    return meta !== undefined && meta.model === model ? meta.checkedUpto : 0;
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

  /** Moves checked_upto to just below the oldest row still pending (or to the newest row when none
   *  is): the next pending scan starts there. Ids only grow, so nothing can appear below it later. */
  private advanceWatermark(from: number): void {
    const oldest = this.stmt(
      `SELECT rowid FROM memory_fts WHERE rowid > ? AND (rowid & 7) IN (${KIND_CODES_SQL})
         AND NOT EXISTS (SELECT 1 FROM vector_keys WHERE fts_rowid = memory_fts.rowid)
       ORDER BY rowid LIMIT 1`,
    )
      .pluck()
      .get(from) as number | undefined;
    const upto =
      oldest !== undefined
        ? oldest - 1
        : // ORDER BY rowid DESC LIMIT 1: FTS5 answers it from the end of its rowid order; max() scans.
          ((this.stmt('SELECT rowid FROM memory_fts ORDER BY rowid DESC LIMIT 1').pluck().get() as
            | number
            | undefined) ?? from);
    if (upto > from) this.stmt('UPDATE vector_meta SET checked_upto = ? WHERE id = 1').run(upto);
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
