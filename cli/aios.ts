#!/usr/bin/env node
// The `aios` entry point. It only chooses which build of cli/main.ts to run: the bundle that
// scripts/bundle.mjs makes (dist/cli/aios-bundle.js: a few chunks instead of ~300 small ES modules,
// the larger part of start-up, see bench/README.md), or the plain tsc output. The bundle is used
// only while it is as new as the tsc output: its stamp records dist/.tsbuildinfo as it was when the
// bundle was made, so a `tsc` run after it (new code in dist/) is never shadowed by an old bundle.
import { readFileSync, statSync } from 'node:fs';

function bundleIsCurrent(): boolean {
  try {
    const stamp = readFileSync(new URL('aios-bundle.stamp', import.meta.url), 'utf8').trim();
    const info = statSync(new URL('../.tsbuildinfo', import.meta.url), { throwIfNoEntry: false });
    return stamp === (info ? `${info.size}:${info.mtimeMs}` : 'none');
  } catch {
    return false;
  }
}

// A variable specifier: the bundle does not exist for tsc, only after scripts/bundle.mjs.
const entry = bundleIsCurrent() ? './aios-bundle.js' : './main.js';
await import(entry);
