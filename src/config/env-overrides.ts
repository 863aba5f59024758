// AIOS_<SECTION>__<KEY> environment overrides (ARCHITECTURE.md §3), typed by the config schema:
// numbers, booleans and arrays (TOML or JSON inline syntax) are converted here, the rest of the checking
// is the schema's. Provider variables (OPENAI_API_KEY, ...) are not read here: the SDKs read them.
import { parse as parseToml } from 'smol-toml';
import { UserInputError } from '../errors.js';
import { specAt } from './schema-walk.js';

export interface EnvOverride {
  variable: string;
  path: string[];
  value: unknown;
}

export interface EnvOverrides {
  overrides: EnvOverride[];
  errors: UserInputError[];
  warnings: string[];
}

const PREFIX = 'AIOS_';

/** An error about one variable; the message starts with its name so users find it at once. */
export function envError(variable: string, message: string): UserInputError {
  return new UserInputError(`environment variable ${variable}: ${message}`);
}

function convert(variable: string, raw: string, kind: string, values?: readonly string[]): unknown {
  const bad = (expected: string) => envError(variable, `expected ${expected}, got ${JSON.stringify(raw)}`);
  switch (kind) {
    case 'number': {
      const text = raw.trim();
      if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw bad('a number');
      return Number(text);
    }
    case 'boolean': {
      const text = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(text)) return true;
      if (['false', '0', 'no', 'off'].includes(text)) return false;
      throw bad('a boolean (true/false)');
    }
    case 'array': {
      const text = raw.trim();
      try {
        return (parseToml(`v = ${text}`) as { v: unknown }).v;
      } catch {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw bad('an array in TOML or JSON syntax, e.g. ["a", "b"]');
        }
      }
    }
    case 'enum':
      if (values && !values.includes(raw)) throw bad(`one of ${values.join(', ')}`);
      return raw;
    default:
      return raw;
  }
}

/** Reads every `AIOS_A__B[__C]` variable; other AIOS_ variables (AIOS_CONFIG) are not overrides. */
export function readEnvOverrides(env: NodeJS.ProcessEnv): EnvOverrides {
  const result: EnvOverrides = { overrides: [], errors: [], warnings: [] };
  for (const variable of Object.keys(env).sort()) {
    if (!variable.startsWith(PREFIX) || !variable.includes('__')) continue;
    const raw = env[variable];
    if (raw === undefined) continue;
    const path = variable.slice(PREFIX.length).toLowerCase().split('__');
    if (path.some((p) => p === '')) {
      result.warnings.push(`environment variable ${variable}: malformed override name (ignored)`);
      continue;
    }
    const spec = specAt(path);
    if (!spec) {
      result.warnings.push(`environment variable ${variable}: no config key ${path.join('.')} (ignored)`);
      continue;
    }
    if (spec.type === 'section') {
      result.errors.push(
        envError(variable, `${path.join('.')} is a section; set one of its keys (${variable}__KEY)`),
      );
      continue;
    }
    const values = spec.type === 'enum' ? spec.values : undefined;
    try {
      result.overrides.push({ variable, path, value: convert(variable, raw, spec.type, values) });
    } catch (error) {
      if (error instanceof UserInputError) result.errors.push(error);
      else throw error;
    }
  }
  return result;
}
