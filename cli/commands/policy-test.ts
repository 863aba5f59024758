// `aios policy test`: loads every rule file (shipped base and presets, and the user's policy dirs)
// and runs each rule's `match` / `not_match` examples. Exit 0 when all pass, 1 otherwise, listing
// each failure with file, line and rule.
import os from 'node:os';
import type { CommandRun } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { paint, printJson } from '../io.js';

const run: CommandRun = async (args, io) => {
  const { loadCliConfig } = await import('../cli-config.js');
  const { paths } = await loadCliConfig(args);
  const { readPolicies, allRules } = await import('../../src/policy/policy-loader.js');
  const { checkExamples, exampleError } = await import('../../src/policy/rule-examples.js');
  const home = os.homedir();
  const { loaded, problems } = readPolicies({ dirs: paths.policiesDirs, home });
  const rules = allRules(loaded);
  const failures = checkExamples(rules, home);
  const examples = rules.reduce((n, r) => n + r.match.length + r.notMatch.length, 0);
  const errors = [...problems, ...failures.map(exampleError)].map((e) => e.message);
  if (args.json) {
    printJson(io, { files: loaded.files, rules: rules.length, examples, failures: errors });
  } else {
    for (const file of loaded.files) io.out(`  ${file}`);
    for (const e of errors) io.out(`${paint(io, 'red', 'FAIL')} ${e}`);
    const summary = `${rules.length} rules, ${examples} examples, ${errors.length} failures`;
    io.out(errors.length === 0 ? paint(io, 'green', `ok: ${summary}`) : summary);
  }
  return errors.length === 0 ? EXIT.ok : EXIT.error;
};

export default run;
