// The yargs-free path for the hot commands: `aios apply`, `aios diff`, `aios config show`,
// `aios snapshot` and `aios policy check CMD` with plain flags. Loading yargs and building its table costs more than a
// no-change apply of 1000 files does (bench/apply), so argv that this parser fully understands runs
// the command directly through the same runner as the yargs table. Anything it does not know for certain (--help, an unknown or repeated flag,
// `--flag=value` forms yargs would coerce, a stray positional) returns undefined and goes to yargs,
// which then gives the usual answer or error. The argv object has the shape yargs would give.
import type { Loader } from './run-command.js';

export interface FastCommand {
  load: Loader;
  argv: Record<string, unknown>;
}

interface CommandFlags {
  load: Loader;
  booleans: readonly string[];
  strings: readonly string[];
  arrays: readonly string[];
  /** The one positional the command takes (`policy check <command>`), if any. */
  positional?: string;
  /** Option → its yargs alias, which yargs also sets (only the long form is parsed here). */
  aliases?: Readonly<Record<string, string>>;
}

const GLOBAL_BOOLEANS = ['json', 'verbose', 'color'] as const;
const GLOBAL_STRINGS = ['config', 'root'] as const;

// Keyed by the command words. Keep in step with the entries of cli/parser.ts
// (test/cli/fast-path.test.ts compares both paths' argv).
const COMMANDS: Record<string, CommandFlags> = {
  diff: {
    load: () => import('./commands/diff.js'),
    booleans: ['timings', 'full'],
    strings: [],
    arrays: ['only'],
  },
  apply: {
    load: () => import('./commands/apply.js'),
    booleans: ['yes', 'dry-run', 'timings', 'full'],
    strings: ['plan'],
    arrays: ['only'],
  },
  'config show': {
    load: () => import('./commands/config-show.js'),
    booleans: [],
    strings: [],
    arrays: [],
  },
  // A manual snapshot (scripts and cron take them); its subcommands (diff, verify, delete) are
  // positionals this path does not take, so they go to yargs.
  snapshot: {
    load: () => import('./commands/snapshot.js'),
    booleans: [],
    strings: ['description'],
    arrays: [],
    aliases: { description: 'd' },
  },
  'policy check': {
    load: () => import('./commands/policy-check.js'),
    booleans: [],
    strings: ['mode'],
    arrays: [],
    positional: 'command',
  },
};

export function fastCommand(args: readonly string[]): FastCommand | undefined {
  const one = args[0] ?? '';
  const two = `${one} ${args[1] ?? ''}`;
  const words = COMMANDS[two] ? [one, args[1] as string] : [one];
  const spec = COMMANDS[words.join(' ')];
  if (!spec) return undefined;
  const booleans = new Set<string>([...GLOBAL_BOOLEANS, ...spec.booleans]);
  const strings = new Set<string>([...GLOBAL_STRINGS, ...spec.strings]);
  const arrays = new Set<string>(spec.arrays);
  const argv: Record<string, unknown> = { _: words, $0: 'aios', json: false, verbose: false, color: true };
  for (const b of spec.booleans) argv[b] = false;
  const seen = new Set<string>();
  for (let i = words.length; i < args.length; i++) {
    const arg = args[i] as string;
    if (spec.positional && !arg.startsWith('-') && arg !== '' && !seen.has(spec.positional)) {
      seen.add(spec.positional);
      argv[spec.positional] = arg;
      continue;
    }
    if (!arg.startsWith('--') || arg === '--') return undefined;
    let key = arg.slice(2);
    let value: string | undefined;
    const eq = key.indexOf('=');
    if (eq !== -1) {
      value = key.slice(eq + 1);
      key = key.slice(0, eq);
    }
    if (key === 'no-color' && value === undefined && !seen.has('color')) {
      seen.add('color');
      argv.color = false;
      continue;
    }
    if (booleans.has(key)) {
      // `--yes=false` and friends are yargs' business.
      if (value !== undefined || seen.has(key)) return undefined;
      seen.add(key);
      argv[key] = true;
      continue;
    }
    if (!strings.has(key) && !arrays.has(key)) return undefined;
    if (value === undefined) {
      value = args[i + 1];
      i++;
    }
    // A missing or flag-like value, or an empty one: let yargs decide what it means.
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    if (arrays.has(key)) {
      // yargs' array options swallow following positionals (`--only a b`): not for this parser.
      const next = args[i + 1];
      if (next !== undefined && !next.startsWith('--')) return undefined;
      argv[key] = [...((argv[key] as string[] | undefined) ?? []), value];
      continue;
    }
    if (seen.has(key)) return undefined;
    seen.add(key);
    argv[key] = value;
  }
  // A required positional that is missing is yargs' error to report.
  if (spec.positional && !seen.has(spec.positional)) return undefined;
  // yargs also sets the camel-case twin of every dashed option, and every alias.
  if ('dry-run' in argv) argv.dryRun = argv['dry-run'];
  for (const [option, alias] of Object.entries(spec.aliases ?? {})) {
    if (option in argv) argv[alias] = argv[option];
  }
  return { load: spec.load, argv };
}
