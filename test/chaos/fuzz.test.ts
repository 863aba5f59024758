// Fuzz of the files users write: configs, specs, policy rule files and plugin manifests. Each case
// is a mutation of a valid seed (byte-level or structure-aware), judged in-process through the same
// loaders the CLI uses; every Nth case also runs the built CLI on it (no crash, no stack trace,
// exit 1 naming the file, nothing written to the root). Counts print as tried/survived.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChaosBox, cli, crashOf, makeBox, removeBox, sameTree, treeState } from './chaos-box.js';
import { configTarget, type FuzzTarget, pluginTarget, policyTarget, specTarget } from './fuzz-targets.js';
import { generate } from './mutate.js';
import { Rng } from './rng.js';
import { budgetMs, FULL, FUZZ, failureList, report, SEED } from './scale.js';

let box: ChaosBox;
beforeAll(() => {
  if (!fs.existsSync('dist/cli/aios.js')) throw new Error('build first: npx tsc -p tsconfig.build.json');
  box = makeBox('fuzz', { env: { AIOS_NO_HISTORY: '1' } });
  fs.writeFileSync(path.join(box.root, 'etc/keep'), 'untouched\n');
  process.stdout.write(`chaos fuzz: seed ${SEED}, ${FUZZ} cases per input kind\n`);
});
afterAll(() => removeBox(box));

/** How a CLI run over the file is judged; undefined when this kind has no cheap CLI path. */
function cliCheck(t: FuzzTarget): { args: string[]; codes: number[] } | undefined {
  if (t.name === 'config') return { args: ['config', 'validate', t.file], codes: [0, 1] };
  if (t.name === 'spec')
    return {
      args: ['diff', '--config', path.join(path.dirname(path.dirname(t.file)), 'cli-config.toml')],
      codes: [0, 1, 2],
    };
  if (t.name === 'policy')
    return {
      args: [
        'policy',
        'check',
        'ls /tmp',
        '--config',
        path.join(path.dirname(path.dirname(t.file)), 'cli-config.toml'),
      ],
      codes: [0, 1, 3],
    };
  return undefined;
}

/**
 * Loader bugs this suite found that are not fixed yet: counted as not survived and listed in the
 * report, but not failing CI. Remove an entry when its fix lands; the suite then guards it.
 */
const KNOWN_ISSUES: { re: RegExp; note: string }[] = [];

const CLI_SAMPLES = FULL ? 100 : 3;

async function fuzz(t: FuzzTarget, salt: number): Promise<void> {
  const rng = new Rng(SEED + salt);
  const failures: string[] = [];
  const rootBefore = treeState(box.root);
  let accepted = 0;
  let refused = 0;
  let withLine = 0;
  let cliRuns = 0;
  const known = new Map<string, number>();
  const every = Math.max(1, Math.floor(FUZZ / CLI_SAMPLES));
  const check = cliCheck(t);
  for (let i = 0; i < FUZZ; i++) {
    const text = generate(rng.fork(i), t);
    const v = await t.judge(text);
    if (v.kind === 'crash') {
      const issue = KNOWN_ISSUES.find((k) => k.re.test(v.why));
      if (issue) {
        known.set(issue.note, (known.get(issue.note) ?? 0) + 1);
        continue;
      }
      failures.push(`${t.name} case ${i}: ${v.why}\n    input: ${JSON.stringify(text.slice(0, 160))}`);
      continue;
    }
    if (v.kind === 'accepted') accepted++;
    else {
      refused++;
      if (v.line) withLine++;
    }
    if (check && i % every === 0) {
      cliRuns++;
      const r = cli(box, check.args);
      const crash = crashOf(r);
      if (crash) failures.push(`${t.name} case ${i} via CLI: ${crash}: ${r.stderr.slice(0, 300)}`);
      else if (!check.codes.includes(r.code as number))
        failures.push(`${t.name} case ${i} via CLI: exit ${r.code}: ${r.stderr.slice(0, 200)}`);
      else if (r.code === 1 && !r.stderr.includes(path.basename(t.file)) && !/cycle/i.test(r.stderr))
        failures.push(
          `${t.name} case ${i} via CLI: exit 1 without naming ${path.basename(t.file)}: ${r.stderr.slice(0, 200)}`,
        );
    }
  }
  const changed = sameTree(rootBefore, treeState(box.root));
  if (changed) failures.push(`${t.name}: the root changed during fuzzing: ${changed}`);
  report({
    suite: `fuzz ${t.name}`,
    tried: FUZZ,
    // A case that hit a known issue did not survive; it is listed, not failed.
    survived:
      FUZZ -
      new Set(failures.map((f) => f.split(':')[0])).size -
      [...known.values()].reduce((a, n) => a + n, 0),
    notes:
      `(${accepted} accepted, ${refused} refused with the file named, ${withLine} of them with a line; ${cliRuns} also through the CLI)` +
      [...known].map(([note, n]) => `; KNOWN ISSUE x${n}: ${note}`).join(''),
  });
  expect(failures, failureList(failures)).toEqual([]);
}

describe('fuzz', () => {
  beforeAll(() => {
    // The CLI runs read this config: the fuzzed spec and policy dirs, the box's root.
    const q = JSON.stringify;
    fs.writeFileSync(
      path.join(box.dir, 'cli-config.toml'),
      `[controller]\nspecs_dir = ${q(path.join(box.dir, 'specs'))}\nroot = ${q(box.root)}\n[memory]\npath = ${q(box.memory)}\n[security]\npolicies_dir = ${q(path.join(box.dir, 'policies'))}\n[aios]\ndata_dir = ${q(box.data)}\n`,
    );
  });

  it(
    'of config files: every case is accepted or refused naming the file, never a crash',
    async () => {
      await fuzz(configTarget(box.dir), 11);
    },
    budgetMs(30_000, 3_600_000),
  );

  it(
    'of spec files: every case is accepted or refused naming the file, never a crash',
    async () => {
      await fuzz(specTarget(box.dir), 12);
    },
    budgetMs(30_000, 3_600_000),
  );

  it(
    'of policy rule files: every case is accepted or refused naming the file, never a crash',
    async () => {
      await fuzz(policyTarget(box.dir), 13);
    },
    budgetMs(30_000, 3_600_000),
  );

  it(
    'of plugin manifests: every case loads or is skipped with a warning naming the file',
    async () => {
      await fuzz(pluginTarget(box.dir), 14);
    },
    budgetMs(30_000, 3_600_000),
  );
});
