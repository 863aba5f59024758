// `aios config show [--json]`: the effective config, each value with where it came from (default,
// file:line, env var, flag), as TOML a user could copy. Secrets are masked by src/config/config-entries.
import { configEntries, maskedConfig } from '../../src/config/config-entries.js';
import { ConfigValidationError } from '../../src/config/load-config.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandRun } from '../command.js';
import { paint, printJson } from '../io.js';

function tomlValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

const run: CommandRun = async (args, io) => {
  let cli: Awaited<ReturnType<typeof loadCliConfig>>;
  try {
    cli = await loadCliConfig(args);
  } catch (error) {
    // The errors are printed by the CLI's error mapping; the warnings would be lost with them.
    if (error instanceof ConfigValidationError) for (const w of error.warnings) io.err(`warning: ${w}`);
    throw error;
  }
  const { loaded, paths } = cli;
  for (const w of loaded.warnings) io.err(`warning: ${w}`);
  const entries = configEntries(loaded);
  if (args.json) {
    printJson(io, {
      files: loaded.files,
      warnings: loaded.warnings,
      paths,
      config: maskedConfig(entries),
      values: Object.fromEntries(
        entries.map((e) => [e.key, { value: e.value ?? null, origin: e.origin, from: e.from }]),
      ),
    });
    return 0;
  }
  const lines: string[] = [];
  lines.push(
    paint(
      io,
      'dim',
      loaded.files.length
        ? `# config files (lowest precedence first): ${loaded.files.join(', ')}`
        : '# no config file found: built-in defaults (see aios config validate, aios init)',
    ),
  );
  const width = Math.min(
    60,
    Math.max(...entries.map((e) => `${e.name} = ${e.value === undefined ? '' : tomlValue(e.value)}`.length)),
  );
  let section = '';
  for (const e of entries) {
    if (e.section !== section) {
      section = e.section;
      lines.push('', paint(io, 'bold', `[${section}]`));
    }
    const text = e.value === undefined ? `# ${e.name} (unset)` : `${e.name} = ${tomlValue(e.value)}`;
    const colour = e.origin.source === 'default' ? 'dim' : 'cyan';
    lines.push(`${text.padEnd(width)}  ${paint(io, colour, `# ${e.from}`)}`);
  }
  lines.push('', paint(io, 'dim', '# effective paths'));
  for (const [name, value] of Object.entries(paths)) {
    lines.push(paint(io, 'dim', `#   ${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`));
  }
  io.out(lines.join('\n'));
  return 0;
};

export default run;
