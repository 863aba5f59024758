// Where better-sqlite3's compiled addon is, handed to `new Database()` as `nativeBinding`. Without
// it the package asks the `bindings` helper, which probes a dozen candidate paths on every process
// start (about 3 ms of a no-change apply, bench/apply). When the addon is not at the place both a
// source build and a prebuilt download put it, the option is left out and the package searches as
// usual, so this can only save time, never break loading.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

let cached: { nativeBinding?: string } | undefined;

export function sqliteBindingOption(): { nativeBinding?: string } {
  if (cached) return cached;
  cached = {};
  try {
    const main = createRequire(import.meta.url).resolve('better-sqlite3');
    const addon = path.join(path.dirname(main), '..', 'build', 'Release', 'better_sqlite3.node');
    if (existsSync(addon)) cached = { nativeBinding: addon };
  } catch {
    // Not resolvable from here (an unusual install): the package finds its addon itself.
  }
  return cached;
}
