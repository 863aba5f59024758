#!/usr/bin/env node
// The `aios` entry point. `--version` answers before yargs loads (start-up is a goal: see
// bench/README.md); everything else goes through the lazily loaded command table.
import { readFileSync } from 'node:fs';
import { guardBrokenPipes } from './io.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

guardBrokenPipes();
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  process.stdout.write(`${version()}\n`);
} else {
  const { buildParser } = await import('./parser.js');
  await buildParser(args, version()).parseAsync();
}
