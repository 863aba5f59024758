// Schema migrations for memory.db, keyed by `PRAGMA user_version`. Each entry moves the schema from
// version i to i+1 and runs inside one BEGIN IMMEDIATE transaction, so two processes opening a fresh
// database at once cannot both migrate it. Never edit a shipped migration: append a new one.
import type Database from 'better-sqlite3';
import { AiosError } from '../errors.js';

/**
 * FTS rowids are `id * 8 + KIND_CODE[kind]`, where ids come from one counter shared by every table
 * (id_counter): so one index covers every table, a row's FTS entry is found in O(log n) for updates
 * and deletes, and FTS rowid order is insertion order across kinds (search ranks the newest matches).
 */
export const KIND_CODE = {
  command: 1,
  chat: 2,
  tool: 3,
  decision: 4,
  reconcile: 5,
  event: 6,
  audit: 7,
} as const;

export type MemoryKind = keyof typeof KIND_CODE;
export const MEMORY_KINDS = Object.keys(KIND_CODE) as MemoryKind[];

/** What each kind contributes to memory_fts: its table and the SQL expression of its text (`$.` is
 *  the row). Shared by the v1 triggers and the store's insert path, so both index the same text. */
export const FTS_SOURCES: Record<MemoryKind, { table: string; body: string }> = {
  command: { table: 'commands', body: "$.command || ' ' || coalesce($.cwd, '')" },
  chat: { table: 'chat_messages', body: "$.role || ': ' || $.content" },
  tool: { table: 'tool_calls', body: "$.tool || ' ' || $.args || ' ' || coalesce($.result_summary, '')" },
  decision: {
    table: 'decisions',
    body: "$.verdict || ' ' || $.rule || ' ' || $.reason || ' ' || $.action || ' ' || $.source",
  },
  reconcile: {
    table: 'reconcile_runs',
    body: "$.trigger || ' ' || $.status || ' ' || coalesce($.summary, '')",
  },
  event: {
    table: 'resource_events',
    body: "$.resource_id || ' ' || $.status || ' ' || $.label || ' ' || coalesce($.message, '') || ' ' || coalesce($.diff, '') || ' ' || coalesce($.changes, '')",
  },
  audit: { table: 'audit_log', body: "$.kind || ' ' || $.payload" },
};

/** The statement that indexes one freshly inserted row (bind its id). */
export function ftsInsertSql(kind: MemoryKind): string {
  const { table, body } = FTS_SOURCES[kind];
  // VALUES with scalar subqueries, not INSERT ... SELECT: a statement that may write several rows
  // gets a statement savepoint, and FTS5 flushes its pending index at each one (see below).
  const code = KIND_CODE[kind];
  return `INSERT INTO memory_fts(rowid, body, ts) VALUES (
    @id * 8 + ${code},
    (SELECT ${body.replaceAll('$.', '')} FROM ${table} WHERE id = @id),
    (SELECT ts FROM ${table} WHERE id = @id))`;
}

// Updates and deletes keep memory_fts in step through triggers. Inserts are indexed by the store in
// the same transaction instead (ftsInsertSql): any AFTER INSERT trigger makes SQLite open a statement
// savepoint per row, and FTS5 flushes its pending index at every savepoint, which cut batched inserts
// from ~160k to ~45k rows/s in bench/memory (docs/decisions/021).
function ftsTriggers(kind: MemoryKind): string {
  const { table, body } = FTS_SOURCES[kind];
  const code = KIND_CODE[kind];
  const newBody = body.replaceAll('$.', 'new.');
  return `
CREATE TRIGGER ${table}_fts_ad AFTER DELETE ON ${table} BEGIN
  DELETE FROM memory_fts WHERE rowid = old.id * 8 + ${code};
END;
CREATE TRIGGER ${table}_fts_au AFTER UPDATE ON ${table} BEGIN
  DELETE FROM memory_fts WHERE rowid = old.id * 8 + ${code};
  INSERT INTO memory_fts(rowid, body, ts) VALUES (new.id * 8 + ${code}, ${newBody}, new.ts);
END;`;
}

const v1 = `
-- One id sequence for every table (see KIND_CODE). Advanced by the store inside its write transaction.
CREATE TABLE id_counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);
INSERT INTO id_counter(id, value) VALUES (1, 0);

CREATE TABLE commands (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  argv TEXT NOT NULL,            -- JSON array, redacted
  command TEXT NOT NULL,         -- argv joined for display and search, redacted
  cwd TEXT,
  exit_code INTEGER,
  duration_ms INTEGER,
  source TEXT NOT NULL DEFAULT 'aios'
);
CREATE INDEX commands_ts ON commands(ts);

CREATE TABLE chat_sessions (
  id TEXT PRIMARY KEY,
  ts INTEGER NOT NULL,
  title TEXT,
  provider TEXT,
  model TEXT
);
CREATE INDEX chat_sessions_ts ON chat_sessions(ts);

CREATE TABLE chat_messages (
  id INTEGER PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
  ts INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('system','user','assistant','tool')),
  content TEXT NOT NULL,
  data TEXT                      -- JSON (tool call ids, usage), redacted
);
CREATE INDEX chat_messages_session ON chat_messages(session_id, id);
CREATE INDEX chat_messages_ts ON chat_messages(ts);

CREATE TABLE reconcile_runs (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,           -- start
  finished_ts INTEGER,
  trigger TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'running',
  summary TEXT                   -- JSON
);
CREATE INDEX reconcile_runs_ts ON reconcile_runs(ts);

CREATE TABLE resource_events (
  id INTEGER PRIMARY KEY,
  run_id INTEGER REFERENCES reconcile_runs(id) ON DELETE SET NULL,
  ts INTEGER NOT NULL,
  resource_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('applied','drift','failed','blocked','unchanged')),
  label TEXT NOT NULL CHECK (label IN ('aios','external')),
  changes TEXT,                  -- JSON array of Change
  diff TEXT,
  message TEXT
);
CREATE INDEX resource_events_ts ON resource_events(ts);
CREATE INDEX resource_events_resource ON resource_events(resource_id, ts);
CREATE INDEX resource_events_run ON resource_events(run_id);

CREATE TABLE tool_calls (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  tool TEXT NOT NULL,
  args TEXT NOT NULL,            -- JSON, redacted
  result_summary TEXT,
  exit_code INTEGER,
  duration_ms INTEGER,
  session_id TEXT REFERENCES chat_sessions(id) ON DELETE SET NULL,
  run_id INTEGER REFERENCES reconcile_runs(id) ON DELETE SET NULL,
  resource_id TEXT
);
CREATE INDEX tool_calls_ts ON tool_calls(ts);

CREATE TABLE decisions (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  action TEXT NOT NULL,          -- JSON Action or the command text, redacted
  tool TEXT,
  verdict TEXT NOT NULL CHECK (verdict IN ('allow','confirm','deny')),
  rule TEXT NOT NULL,
  reason TEXT NOT NULL,
  source TEXT NOT NULL,          -- who asked: cli, daemon, agent, reconcile, policy-check
  resource_id TEXT
);
CREATE INDEX decisions_ts ON decisions(ts);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,       -- 1, 2, 3... assigned under BEGIN IMMEDIATE, never reused
  id INTEGER NOT NULL UNIQUE,    -- shared id (search plumbing only; not part of the hash)
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,         -- canonical JSON, redacted
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_ts ON audit_log(ts);
-- The newest (seq, hash), written by the store in the same transaction as the rows: a deleted tail
-- shows up as head.seq > max(seq). seq 0 = empty log.
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head(id, seq, hash) VALUES (1, 0, '${'0'.repeat(64)}');
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head BEGIN
  SELECT RAISE(ABORT, 'audit_head is append-only');
END;

CREATE VIRTUAL TABLE memory_fts USING fts5(
  body,
  ts UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2'
);
${MEMORY_KINDS.map(ftsTriggers).join('\n')}
`;

// v2 states the v1 layout idempotently for databases written by pre-release builds of v1, which fed
// memory_fts through AFTER INSERT triggers and kept audit_head by trigger (docs/decisions/021): the
// store now does both itself, so those triggers would index every row twice. A no-op on a fresh v1.
const v2 = `
${MEMORY_KINDS.map((k) => `DROP TRIGGER IF EXISTS ${FTS_SOURCES[k].table}_fts_ai;`).join('\n')}
DROP TRIGGER IF EXISTS audit_log_head;
INSERT OR IGNORE INTO audit_head(id, seq, hash)
  SELECT 1, coalesce(max(seq), 0), coalesce((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), '${'0'.repeat(64)}')
  FROM audit_log;
CREATE INDEX IF NOT EXISTS audit_log_ts ON audit_log(ts);
`;

// v3: bookkeeping for semantic memory (docs/decisions/140). The vectors themselves live in a sqlite-vec
// `vec0` table that src/memory/vector-index.ts creates on first use: its module exists only where
// the extension loads, and this migration must run everywhere. Plain tables here, so a database
// whose extension failed to load stays fully usable for everything else.
const v3 = `
-- The one embedding model the index holds; its dimension is fixed by the first vector stored.
-- checked_upto: the shared id up to which rows have been entered in vector_keys (ids only grow, so
-- rows above it are the new ones, found through each table's primary key).
CREATE TABLE IF NOT EXISTS vector_meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  model TEXT NOT NULL,
  dim INTEGER NOT NULL,
  created_ts INTEGER NOT NULL,
  checked_upto INTEGER NOT NULL DEFAULT 0
);
-- Every embeddable memory row the index knows (fts_rowid = memory_fts rowid = id * 8 + kind code):
-- embedded = 0 waits for a vector, 1 has one in memory_vec, 2 needs none (its row is gone).
CREATE TABLE IF NOT EXISTS vector_keys (
  fts_rowid INTEGER PRIMARY KEY,
  embedded INTEGER NOT NULL
);
-- The pending rows, newest first, without walking the done ones.
CREATE INDEX IF NOT EXISTS vector_keys_pending ON vector_keys(fts_rowid) WHERE embedded = 0;
`;

const MIGRATIONS: string[] = [v1, v2, v3];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings `db` to SCHEMA_VERSION. Refuses a database written by a newer aios. */
export function migrate(db: Database.Database, file: string): void {
  const current = (): number => db.pragma('user_version', { simple: true }) as number;
  if (current() === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const from = current();
    if (from > SCHEMA_VERSION) {
      throw new AiosError(
        `${file}: memory schema version ${from} is newer than this aios supports (${SCHEMA_VERSION}); upgrade aios`,
      );
    }
    for (let v = from; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}
