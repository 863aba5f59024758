// Loads the effective config (ARCHITECTURE.md §3): finds the files, parses TOML, validates each file
// with the zod schema, layers defaults < /etc < user file < env < flags, and records where every value
// came from. All problems are collected and thrown together as one ValidationError naming file, line and
// key. It must never fall back to defaults when a file exists but is broken, and never writes anything.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { UserInputError, ValidationError } from '../errors.js';
import { readEnvOverrides } from './env-overrides.js';
import { type Origin, type Origins, originOf } from './origins.js';
import { type Config, configSchema } from './schema.js';
import { isSection, leafPaths, schemaAt } from './schema-walk.js';
import { type KeyLines, locateKeys } from './toml-locator.js';

export type { Origin, Origins } from './origins.js';

/** A config that cannot load: every problem, plus the warnings found on the way (unknown keys). */
export class ConfigValidationError extends ValidationError {
  override name = 'ConfigValidationError';
  constructor(
    problems: UserInputError[],
    readonly warnings: string[],
  ) {
    super(problems);
  }
}

export interface LoadedConfig {
  config: Config;
  /** Config files that were read, lowest precedence first. */
  files: string[];
  /** Dotted key → where its effective value came from. */
  origins: Origins;
  /** Unknown keys and ignored env vars, each naming its file and line or variable. */
  warnings: string[];
}

export interface LoadConfigOptions {
  /** `--config PATH`: only this file is read (it must exist). */
  configPath?: string | undefined;
  env?: NodeJS.ProcessEnv;
  flags?: { root?: string | undefined };
  /** The system file; tests point it into a temp dir. Default /etc/aios/config.toml. */
  systemConfigPath?: string;
  /** Base for relative --config, env and flag paths. Default process.cwd(). */
  cwd?: string;
}

export const SYSTEM_CONFIG_PATH = '/etc/aios/config.toml';

/** Keys holding paths: relative values resolve from the directory of the file that set them. */
export const PATH_KEYS = [
  'aios.data_dir',
  'aios.socket_path',
  'controller.specs_dir',
  'controller.root',
  'memory.path',
  'recovery.store_dir',
  'security.policies_dir',
  'tools.plugins_dir',
  'runtime.metrics_file',
] as const;

export function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || os.homedir();
}

/** `$XDG_CONFIG_HOME/aios`, else `~/.config/aios` (a relative XDG value is ignored, as the spec says). */
export function userConfigDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(homeDir(env), '.config');
  return path.join(base, 'aios');
}

export function userConfigPath(env: NodeJS.ProcessEnv): string {
  return path.join(userConfigDir(env), 'config.toml');
}

interface Candidate {
  file: string;
  /** Named explicitly (--config, $AIOS_CONFIG): a missing file is an error, not a skip. */
  required: boolean;
  via: string;
}

/** The lookup order of ARCHITECTURE.md §3, as the files to try, lowest precedence first. */
export function configCandidates(opts: LoadConfigOptions = {}): Candidate[] {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  if (opts.configPath) return [{ file: path.resolve(cwd, opts.configPath), required: true, via: '--config' }];
  if (env.AIOS_CONFIG)
    return [{ file: path.resolve(cwd, env.AIOS_CONFIG), required: true, via: '$AIOS_CONFIG' }];
  return [
    { file: opts.systemConfigPath ?? SYSTEM_CONFIG_PATH, required: false, via: 'system' },
    { file: userConfigPath(env), required: false, via: 'user' },
  ];
}

type Raw = Record<string, unknown>;

interface Layer {
  file: string;
  raw: Raw;
  lines: KeyLines;
}

function isPlainObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

async function readConfigFile(c: Candidate, problems: UserInputError[]): Promise<string | undefined> {
  try {
    return await readFile(c.file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !c.required) return undefined;
    const why =
      code === 'ENOENT'
        ? `config file not found (named by ${c.via})`
        : code === 'EACCES' || code === 'EPERM'
          ? 'config file exists but cannot be read: permission denied'
          : code === 'EISDIR'
            ? 'config path is a directory, not a file'
            : `config file cannot be read: ${(error as Error).message}`;
    problems.push(new UserInputError(why, { file: c.file }));
    return undefined;
  }
}

/** Parses one file's text; a syntax error becomes a problem with file, line and column. */
export function parseConfigText(text: string, file: string, problems: UserInputError[]): Layer | undefined {
  let raw: Raw;
  try {
    raw = parseToml(text) as Raw;
  } catch (error) {
    if (error instanceof TomlError) {
      const first = error.message.replace(/^Invalid TOML document: /, '').split('\n')[0] ?? 'syntax error';
      problems.push(
        new UserInputError(`TOML syntax error: ${first}`, { file, line: error.line, column: error.column }),
      );
      return undefined;
    }
    throw error;
  }
  return { file, raw, lines: locateKeys(text) };
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean (true or false)',
  array: 'an array',
  object: 'a table',
};

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (isPlainObject(value)) return 'a table';
  if (typeof value === 'number') {
    return `${Number.isInteger(value) ? 'an integer' : 'a float'} (${value})`;
  }
  if (typeof value === 'string') return `a string (${JSON.stringify(value)})`;
  return `${article(typeof value)} (${String(value)})`;
}

function valueAt(raw: unknown, p: readonly PropertyKey[]): unknown {
  let v: unknown = raw;
  for (const k of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** One zod issue as words a user reads: the expected type or values, and what was found. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const got = describeValue(valueAt(raw, issue.path));
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${got}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    case 'too_small':
      return `expected ${issue.origin === 'array' ? 'an array with length' : 'a number'} ${
        issue.inclusive ? '>=' : '>'
      } ${String(issue.minimum)}, got ${got}`;
    case 'too_big':
      return `expected ${issue.origin === 'array' ? 'an array with length' : 'a number'} ${
        issue.inclusive ? '<=' : '<'
      } ${String(issue.maximum)}, got ${got}`;
    default:
      return issue.message;
  }
}

function deleteAt(raw: Raw, p: readonly PropertyKey[], key: string): void {
  const parent = valueAt(raw, p);
  if (isPlainObject(parent)) delete parent[key];
}

function keyOf(p: readonly PropertyKey[]): string {
  return p.map(String).join('.');
}

function lineOf(lines: KeyLines, p: readonly PropertyKey[]): number | undefined {
  for (let n = p.length; n > 0; n--) {
    const line = lines.get(keyOf(p.slice(0, n)));
    if (line !== undefined) return line;
  }
  return undefined;
}

/**
 * Validates one file on its own, so every problem names that file: unknown keys become warnings and are
 * removed from the layer (the file still loads), anything else is an error.
 */
function checkLayer(layer: Layer, problems: UserInputError[], warnings: string[]): void {
  const result = configSchema.safeParse(layer.raw);
  if (result.success) return;
  const unknown: { parent: PropertyKey[]; key: string }[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) unknown.push({ parent: [...issue.path], key });
      continue;
    }
    const line = lineOf(layer.lines, issue.path);
    problems.push(
      new UserInputError(describeIssue(issue, layer.raw), {
        file: layer.file,
        ...(line === undefined ? {} : { line }),
        key: keyOf(issue.path),
      }),
    );
  }
  for (const { parent, key } of unknown) {
    const full = [...parent, key];
    const line = lineOf(layer.lines, full);
    const where = line === undefined ? layer.file : `${layer.file}:${line}`;
    const section = parent.length ? ` in [${keyOf(parent)}]` : '';
    warnings.push(`${where}: unknown key ${keyOf(full)}${section} (ignored)`);
    deleteAt(layer.raw, parent, key);
  }
}

/** Copies `source` into `target` leaf by leaf (arrays replace), recording each leaf's origin. */
function mergeLayer(
  target: Raw,
  source: Raw,
  prefix: string[],
  origins: Origins,
  originFor: (p: string[]) => Origin,
): void {
  for (const [key, value] of Object.entries(source)) {
    const p = [...prefix, key];
    const schema = schemaAt(configSchema, p);
    if (schema && isSection(schema) && isPlainObject(value)) {
      const existing = target[key];
      const child: Raw = isPlainObject(existing) ? existing : {};
      target[key] = child;
      mergeLayer(child, value, p, origins, originFor);
    } else {
      target[key] = value;
      origins[p.join('.')] = originFor(p);
    }
  }
}

function setAt(target: Raw, p: readonly string[], value: unknown): void {
  let node = target;
  for (const k of p.slice(0, -1)) {
    const next = node[k];
    if (!isPlainObject(next)) node[k] = {};
    node = node[k] as Raw;
  }
  const last = p[p.length - 1];
  if (last !== undefined) node[last] = value;
}

function resolvePaths(config: Config, origins: Origins, env: NodeJS.ProcessEnv, cwd: string): void {
  const home = homeDir(env);
  for (const key of PATH_KEYS) {
    const [section, name] = key.split('.') as [keyof Config, string];
    const holder = config[section] as Record<string, unknown>;
    const value = holder[name];
    if (typeof value !== 'string' || value === '') continue;
    let resolved: string;
    if (value === '~' || value.startsWith('~/')) resolved = path.join(home, value.slice(1));
    else if (path.isAbsolute(value)) resolved = path.normalize(value);
    else {
      const origin = origins[key];
      const base = origin?.source === 'file' ? path.dirname(origin.file) : cwd;
      resolved = path.resolve(base, value);
    }
    holder[name] = resolved;
  }
}

/** File problems in file order, then by line; others (env, flags) after them, as found. */
function sortProblems(problems: UserInputError[], files: string[]): UserInputError[] {
  const rank = (p: UserInputError) => {
    const i = p.location ? files.indexOf(p.location.file) : -1;
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return problems
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) => rank(a.p) - rank(b.p) || (a.p.location?.line ?? 0) - (b.p.location?.line ?? 0) || a.i - b.i,
    )
    .map(({ p }) => p);
}

/** Loads, layers and validates the effective config. Throws ValidationError with every problem found. */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const problems: UserInputError[] = [];
  const warnings: string[] = [];
  const files: string[] = [];
  const origins: Origins = {};
  for (const p of leafPaths(configSchema)) origins[p.join('.')] = { source: 'default' };

  const merged: Raw = {};
  for (const candidate of configCandidates(opts)) {
    const text = await readConfigFile(candidate, problems);
    if (text === undefined) continue;
    files.push(candidate.file);
    const layer = parseConfigText(text, candidate.file, problems);
    if (!layer) continue;
    checkLayer(layer, problems, warnings);
    mergeLayer(merged, layer.raw, [], origins, (p) => {
      const line = lineOf(layer.lines, p);
      return line === undefined
        ? { source: 'file', file: layer.file }
        : { source: 'file', file: layer.file, line };
    });
  }

  const envResult = readEnvOverrides(env);
  problems.push(...envResult.errors);
  warnings.push(...envResult.warnings);
  for (const o of envResult.overrides) {
    setAt(merged, o.path, o.value);
    origins[o.path.join('.')] = { source: 'env', variable: o.variable };
  }
  if (opts.flags?.root !== undefined) {
    setAt(merged, ['controller', 'root'], opts.flags.root);
    origins['controller.root'] = { source: 'flag', flag: '--root' };
  }

  const result = configSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const origin = originOf(origins, issue.path.map(String));
      // File problems were reported by checkLayer with their line; report only what env/flags caused.
      if (origin?.source === 'file' || issue.code === 'unrecognized_keys') continue;
      const what = describeIssue(issue, merged);
      const key = keyOf(issue.path);
      if (origin?.source === 'env')
        problems.push(new UserInputError(`environment variable ${origin.variable} (${key}): ${what}`));
      else if (origin?.source === 'flag')
        problems.push(new UserInputError(`${origin.flag} (${key}): ${what}`));
      else problems.push(new UserInputError(`${key}: ${what}`));
    }
  }
  if (problems.length > 0 || !result.success) {
    if (problems.length === 0) problems.push(new UserInputError('invalid configuration'));
    throw new ConfigValidationError(sortProblems(problems, files), warnings);
  }
  const config = result.data;
  resolvePaths(config, origins, env, cwd);
  return { config, files, origins, warnings };
}
