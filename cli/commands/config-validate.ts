// `aios config validate [PATH]`: with PATH, checks that file alone (environment overrides are not
// applied); without, checks the effective config exactly as every command would load it. Prints every
// problem at once, warnings too; exit 0 when it loads, 1 when it does not.
import { ConfigValidationError, loadConfig } from '../../src/config/load-config.js';
import { UserInputError } from '../../src/errors.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandRun } from '../command.js';
import { paint, printJson } from '../io.js';

/** The environment without AIOS_ overrides, so `validate PATH` judges the file itself. */
function withoutOverrides(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([k]) => !(k.startsWith('AIOS_') && k.includes('__'))),
  );
}

const run: CommandRun = async (args, io) => {
  const file = typeof args.path === 'string' && args.path !== '' ? args.path : undefined;
  let files: string[] = [];
  let warnings: string[] = [];
  let problems: UserInputError[] = [];
  try {
    const loaded = file
      ? await loadConfig({ configPath: file, env: withoutOverrides(process.env) })
      : (await loadCliConfig(args)).loaded;
    files = loaded.files;
    warnings = loaded.warnings;
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      problems = error.problems;
      warnings = error.warnings;
    } else if (error instanceof UserInputError) {
      problems = [error];
    } else throw error;
  }

  if (args.json) {
    printJson(io, {
      valid: problems.length === 0,
      files,
      errors: problems.map((p) => ({ message: p.message, ...p.location })),
      warnings,
    });
    return problems.length === 0 ? 0 : 1;
  }
  for (const p of problems) {
    io.err(`${paint(io, 'red', 'error')}: ${p.message}`);
    for (const d of p.details) io.err(`    ${d}`);
  }
  for (const w of warnings) io.err(`${paint(io, 'yellow', 'warning')}: ${w}`);
  if (problems.length > 0) {
    io.err(`config invalid: ${problems.length} error${problems.length === 1 ? '' : 's'}`);
    return 1;
  }
  const what = files.length ? files.join(', ') : 'no config file (built-in defaults)';
  const note = warnings.length ? ` (${warnings.length} warning${warnings.length === 1 ? '' : 's'})` : '';
  io.out(`config ok: ${what}${note}`);
  return 0;
};

export default run;
