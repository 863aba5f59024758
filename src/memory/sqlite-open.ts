// Opens a better-sqlite3 database the cheap way, for every SQLite file aios keeps (memory.db and the
// snapshot index). Two start-up costs are avoided (about 8 ms of a no-change apply, bench/apply):
// - the package is `require`d, not `import`ed: an ES import of a CommonJS package makes node scan
//   its source for export names first;
// - the compiled addon's path is handed over as `nativeBinding`: otherwise the `bindings` helper
//   probes a dozen candidate paths on every start. When the addon is not where both a source build
//   and a prebuilt download put it, the option is left out and the package searches as usual.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type Database from 'better-sqlite3';

const requireCjs = createRequire(import.meta.url);
let ctor: typeof Database | undefined;
let binding: { nativeBinding?: string } | undefined;

export function openSqlite(file: string, options: Database.Options = {}): Database.Database {
  ctor ??= requireCjs('better-sqlite3') as typeof Database;
  return new ctor(file, { ...options, ...bindingOption() });
}

function bindingOption(): { nativeBinding?: string } {
  if (binding) return binding;
  binding = {};
  try {
    const main = requireCjs.resolve('better-sqlite3');
    const addon = path.join(path.dirname(main), '..', 'build', 'Release', 'better_sqlite3.node');
    if (existsSync(addon)) binding = { nativeBinding: addon };
  } catch {
    // Not resolvable from here (an unusual install): the package finds its addon itself.
  }
  return binding;
}
