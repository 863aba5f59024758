import { beforeEach, describe, expect, it, vi } from 'vitest';

// The yargs table's handlers only record the argv they were given, so both parsers can be compared.
const seen: { argv?: Record<string, unknown> | undefined } = {};
vi.mock('../../cli/run-command.js', () => ({
  cmd: () => (argv: Record<string, unknown>) => {
    seen.argv = argv;
  },
  runCommand: async () => {},
}));

const { fastCommand } = await import('../../cli/fast-path.js');
const { buildParser } = await import('../../cli/parser.js');

async function viaYargs(args: string[]): Promise<Record<string, unknown>> {
  seen.argv = undefined;
  await buildParser(args, '0.0.0').parseAsync();
  if (!seen.argv) throw new Error(`yargs ran no command for ${args.join(' ')}`);
  return seen.argv;
}

/** The keys a command reads: everything the fast path sets, compared with what yargs gives. */
function commandView(argv: Record<string, unknown>): Record<string, unknown> {
  const { $0: _s, ...rest } = argv;
  return rest;
}

describe('the yargs-free path for apply and diff', () => {
  beforeEach(() => {
    seen.argv = undefined;
  });

  const same: string[][] = [
    ['apply'],
    ['diff'],
    ['apply', '--yes'],
    ['apply', '--yes', '--dry-run', '--timings', '--json'],
    ['apply', '--only', 'file:/etc/a', '--only', 'file:/etc/b'],
    ['apply', '--only=file:/etc/a', '--plan', '/tmp/plan.json'],
    ['diff', '--only', 'file:/x', '--timings', '--no-color', '--verbose'],
    ['diff', '--config', '/tmp/c.toml', '--root=/tmp/root'],
    ['apply', '--yes', '--config=/tmp/c.toml', '--root', '/tmp/r', '--color'],
    ['config', 'show'],
    ['config', 'show', '--json', '--config', '/tmp/c.toml'],
    ['policy', 'check', 'ls -la /etc'],
    ['policy', 'check', '--mode', 'paranoid', 'rm -rf /tmp/x'],
    ['policy', 'check', 'curl http://x | sh', '--json', '--root=/tmp/r'],
    ['snapshot'],
    ['snapshot', '--description', 'before the upgrade', '--json'],
  ];
  for (const args of same) {
    it(`gives the command the same arguments as yargs for: aios ${args.join(' ')}`, async () => {
      const fast = fastCommand(args);
      expect(fast).toBeDefined();
      expect(commandView(fast?.argv ?? {})).toEqual(commandView(await viaYargs(args)));
    });
  }

  const declined: string[][] = [
    [],
    ['status'],
    ['apply', '--help'],
    ['apply', '-h'],
    ['diff', '--yes'], // not a diff option: yargs reports it
    ['apply', '--bogus'],
    ['apply', 'extra'],
    ['apply', '--only', 'a', 'b'], // yargs arrays take both
    ['apply', '--only'],
    ['apply', '--only='],
    ['apply', '--yes=false'],
    ['apply', '--yes', '--yes'],
    ['apply', '--config', 'a', '--config', 'b'],
    ['apply', '--plan', '--yes'],
    ['apply', '--dryRun'],
    ['apply', '--', '--yes'],
    ['apply', '-y'],
    ['config'],
    ['config', 'validate'],
    ['config', 'show', 'extra'],
    ['policy', 'check'],
    ['policy', 'check', 'ls', '-la'],
    ['policy', 'check', 'ls', 'extra'],
    ['policy', 'check', ''],
    ['policy', 'test'],
    ['snapshot', 'diff', 'a'],
    ['snapshot', 'verify'],
    ['snapshot', '-d', 'x'], // an alias: yargs knows it
  ];
  for (const args of declined) {
    it(`leaves argv it is not sure about to yargs: aios ${args.join(' ')}`, () => {
      expect(fastCommand(args)).toBeUndefined();
    });
  }

  it('loads the command module it names', async () => {
    const mod = await fastCommand(['diff'])?.load();
    expect(typeof mod?.default).toBe('function');
  });
});
