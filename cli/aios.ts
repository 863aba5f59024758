#!/usr/bin/env node
// The `aios` entry point. It only chooses which build of cli/main.ts to run: the bundle that
// scripts/bundle.mjs makes (dist/cli/aios-bundle.cjs: a few CommonJS chunks instead of ~300 small
// ES modules, compiled through V8's code cache; start-up is most of a no-change run, see
// bench/README.md), or the plain tsc output. The bundle is used
// only while it belongs to the tsc output beside it: its stamp records dist/.tsbuildinfo as it was
// when the bundle was made (size:mtime, then its sha1 for copies that lost the mtime, such as an
// npm-packed install), so a `tsc` run after the bundle (new code in dist/) is never shadowed by it.
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function bundleIsCurrent(): boolean {
  try {
    const [quick, sha1] = readFileSync(new URL('aios-bundle.stamp', import.meta.url), 'utf8').split('\n');
    const infoUrl = new URL('../.tsbuildinfo', import.meta.url);
    const info = statSync(infoUrl, { throwIfNoEntry: false });
    // No build info: no tsc has run here since the package was built (or it was packed without it).
    if (!info) return true;
    if (quick === `${info.size}:${info.mtimeMs}`) return true;
    if (!sha1) return false;
    // Only on this rarer path: a copy whose mtime changed (npm pack sets a fixed one).
    const { createHash } = process.getBuiltinModule('node:crypto') as typeof import('node:crypto');
    return sha1 === createHash('sha1').update(readFileSync(infoUrl)).digest('hex');
  } catch {
    return false;
  }
}

if (bundleIsCurrent()) {
  // CommonJS, so V8's code cache can serve it (cli/code-cache.ts, decision 181).
  const { installCodeCache } = await import('./code-cache.js');
  const here = path.dirname(fileURLToPath(import.meta.url));
  installCodeCache(here);
  createRequire(import.meta.url)('./aios-bundle.cjs');
} else {
  // A variable specifier: tsc must not try to resolve it.
  const plain = './main.js';
  await import(plain);
}
