// Loads the effective config (ARCHITECTURE.md §3): finds the files, parses TOML, validates each file
// (the manifest fast path, else zod: decision 011), layers defaults < /etc < user file < env < flags, and
// records where every value came from (decision 010). All problems are collected and thrown together as
// one ConfigValidationError naming file, line and key. It must never fall back to defaults when a file
// exists but is broken, and never writes anything.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { UserInputError, ValidationError } from '../errors.js';
import { type EnvOverrides, readEnvOverrides } from './env-overrides.js';
import { fastParse } from './fast-validate.js';
import type { Origin, Origins } from './origins.js';
import type { Config } from './schema.js';
import { isSectionAt, leafPaths, specAt } from './schema-walk.js';
import { locateKeys } from './toml-locator.js';
import type { Layer } from './zod-validate.js';

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
      // The code block (the lines around the error with a caret) goes in details for commands to show.
      const block = error.codeblock.split('\n').filter((l) => l.trim() !== '');
      problems.push(
        new UserInputError(
          `TOML syntax error: ${first}`,
          { file, line: error.line, column: error.column },
          block,
        ),
      );
      return undefined;
    }
    throw error;
  }
  return { file, raw, lines: locateKeys(text) };
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
    if (isSectionAt(p) && isPlainObject(value)) {
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
    if (typeof value !== 'string') continue;
    if (value === '') {
      // An empty path (often `AIOS_MEMORY__PATH=` to clear an override) means "the default".
      const spec = specAt([section, name]);
      const fallback = spec && spec.type === 'string' ? spec.default : undefined;
      if (fallback === undefined) delete holder[name];
      else holder[name] = fallback;
      origins[key] = { source: 'default' };
      continue;
    }
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

function keyLine(layer: Layer, p: readonly string[]): number | undefined {
  for (let n = p.length; n > 0; n--) {
    const line = layer.lines.get(p.slice(0, n).join('.'));
    if (line !== undefined) return line;
  }
  return undefined;
}

/** Merges defaults < files < env < flags into one raw object, recording every leaf's origin. */
function assemble(
  layers: readonly Layer[],
  envResult: EnvOverrides,
  flags: LoadConfigOptions['flags'],
): { merged: Raw; origins: Origins } {
  const origins: Origins = {};
  for (const p of leafPaths()) origins[p.join('.')] = { source: 'default' };
  const merged: Raw = {};
  for (const layer of layers) {
    mergeLayer(merged, layer.raw, [], origins, (p): Origin => {
      const line = keyLine(layer, p);
      return line === undefined
        ? { source: 'file', file: layer.file }
        : { source: 'file', file: layer.file, line };
    });
  }
  for (const o of envResult.overrides) {
    setAt(merged, o.path, o.value);
    origins[o.path.join('.')] = { source: 'env', variable: o.variable };
  }
  if (flags?.root !== undefined) {
    setAt(merged, ['controller', 'root'], flags.root);
    origins['controller.root'] = { source: 'flag', flag: '--root' };
  }
  return { merged, origins };
}

/** Loads, layers and validates the effective config. Throws ConfigValidationError with every problem found. */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const problems: UserInputError[] = [];
  const warnings: string[] = [];
  const files: string[] = [];
  const layers: Layer[] = [];
  for (const candidate of configCandidates(opts)) {
    const text = await readConfigFile(candidate, problems);
    if (text === undefined) continue;
    files.push(candidate.file);
    const layer = parseConfigText(text, candidate.file, problems);
    if (layer) layers.push(layer);
  }
  const envResult = readEnvOverrides(env);
  problems.push(...envResult.errors);
  warnings.push(...envResult.warnings);

  // Fast path: every file provably valid on its own (no unknown key) and the merged result too.
  if (problems.length === 0 && layers.every((l) => fastParse(l.raw) !== undefined)) {
    const { merged, origins } = assemble(layers, envResult, opts.flags);
    const config = fastParse(merged);
    if (config) {
      resolvePaths(config, origins, env, cwd);
      return { config, files, origins, warnings };
    }
  }

  // Slow path: zod finds and words every problem (and drops unknown keys, as warnings).
  const { checkLayer, validateMerged } = await import('./zod-validate.js');
  for (const layer of layers) checkLayer(layer, problems, warnings);
  const { merged, origins } = assemble(layers, envResult, opts.flags);
  const config = validateMerged(merged, origins, problems);
  if (problems.length > 0 || !config) {
    if (problems.length === 0) problems.push(new UserInputError('invalid configuration'));
    throw new ConfigValidationError(sortProblems(problems, files), warnings);
  }
  resolvePaths(config, origins, env, cwd);
  return { config, files, origins, warnings };
}
