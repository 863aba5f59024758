// The `aios` program (cli/aios.ts only picks the bundled or the plain build of it). `--version`
// answers before anything loads, `apply`/`diff` with plain flags skip yargs (cli/fast-path.ts), and
// everything else goes through the lazily loaded yargs table. Start-up is a goal: bench/README.md.
import { readFileSync } from 'node:fs';
import { fastCommand } from './fast-path.js';
import { guardBrokenPipes } from './io.js';
import { runCommand } from './run-command.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

// No top-level await: the bundle of this module is CommonJS (scripts/bundle.mjs, decision 181).
async function main(): Promise<void> {
  guardBrokenPipes();
  const args = process.argv.slice(2);
  const fast = fastCommand(args);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
    process.stdout.write(`${version()}\n`);
  } else if (fast) {
    await runCommand(fast.load, fast.argv);
  } else {
    const { buildParser } = await import('./parser.js');
    await buildParser(args, version()).parseAsync();
  }
}

main().catch((error: unknown) => {
  // runCommand maps every command error to an exit code; this is only for a crash outside it.
  process.stderr.write(`aios: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
