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
