// Opens a better-sqlite3 database the cheap way, for every SQLite file aios keeps (memory.db and the
// snapshot index). Start-up costs avoided (about 10 ms of a no-change apply, bench/apply):
// - the package's JavaScript is part of the bundled CLI (scripts/bundle.mjs), compiled from the
//   code cache like ours, instead of 13 files resolved and compiled on every run; only its
//   compiled addon stays outside the bundle;
// - the addon's path is handed over as `nativeBinding`: otherwise the `bindings` helper probes a
//   dozen candidate paths on every start. When the addon is not where both a source build and a
//   prebuilt download put it, the option is left out and the package searches as usual.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Database from 'better-sqlite3';

const requireCjs = createRequire(import.meta.url);
let addon: string | null | undefined;

export function openSqlite(file: string, options: Database.Options = {}): Database.Database {
  addon ??= addonPath();
  if (addon) return new Database(file, { ...options, nativeBinding: addon });
  // An unusual install: the package as installed (not the bundled copy of its JavaScript, whose
  // `bindings` lookup would search beside the bundle) finds its addon itself.
  const Installed = requireCjs('better-sqlite3') as typeof Database;
  return new Installed(file, options);
}

/** The addon where a source build or a prebuilt download puts it, or null. */
function addonPath(): string | null {
  try {
    const main = requireCjs.resolve('better-sqlite3');
    for (const build of ['Release', 'Debug']) {
      const candidate = path.join(path.dirname(main), '..', 'build', build, 'better_sqlite3.node');
      if (existsSync(candidate)) return candidate;
    }
  } catch {
    // Not resolvable from here: the fallback above asks the package.
  }
  return null;
}

/**
 * Switches a database to WAL, waiting for other processes like busy_timeout does. SQLite does not
 * call the busy handler for this switch: two processes opening a new memory.db at the same moment
 * (two roots sharing one, issue 9) got SQLITE_BUSY at once. A database already in WAL is only read.
 */
export function useWal(db: Database.Database, busyMs: number): void {
  const deadline = Date.now() + busyMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') {
        db.pragma('journal_mode = WAL');
      }
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      // A synchronous wait: opening is synchronous, and this only happens while another process
      // creates or converts the database.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
    }
  }
}
