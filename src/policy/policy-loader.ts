// Loads the shipped rule files (policies/base.toml and the mode presets) and users' rule files
// (`*.toml` in the configured policy dirs), checks every example, and caches the result per
// process: a gate decides thousands of times from one load. Errors are ValidationErrors naming
// file, line and rule; a missing user directory is not an error (it is optional).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserInputError, ValidationError } from '../errors.js';
import { readCache, sha256, writeCache } from './load-cache.js';
import { checkExamples, exampleError } from './rule-examples.js';
import { parseRuleFile } from './rule-file.js';
import type { ModeSettings, Rule } from './rule-types.js';

export const MODES = ['safe', 'normal', 'paranoid', 'trusted'] as const;

export interface Preset {
  mode: ModeSettings;
  rules: Rule[];
}

export interface LoadedPolicies {
  base: Rule[];
  presets: Map<string, Preset>;
  user: Rule[];
  files: string[];
  /** sha256 of every file's path and text, in load order. */
  digest: string;
}

/** The shipped policies/ directory (works from src/ under vitest and from dist/ when built). */
export function builtinPolicyDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const dir = path.resolve(here, up, 'policies');
    if (existsSync(path.join(dir, 'base.toml'))) return dir;
  }
  throw new UserInputError(`cannot find the shipped policies/ directory (looked above ${here})`);
}

const cache = new Map<string, LoadedPolicies>();

/** Forget loaded rule files, so the next load reads them again (the daemon, after an edit). */
export function forgetLoadedPolicies(): void {
  cache.clear();
}

export interface PolicyLoadOptions {
  dirs?: readonly string[];
  home: string;
  builtinDir?: string;
}

export function loadPolicies(opts: PolicyLoadOptions): LoadedPolicies {
  const builtin = opts.builtinDir ?? builtinPolicyDir();
  const key = JSON.stringify([builtin, opts.dirs ?? [], opts.home]);
  const hit = cache.get(key);
  if (hit) return hit;
  const { loaded, problems } = readPolicies({ ...opts, builtinDir: builtin });
  if (problems.length > 0) throw new ValidationError(problems);
  const stamp = verifiedStamp(loaded, opts.home);
  if (!stamp.seen) {
    for (const f of checkExamples(allRules(loaded), opts.home)) problems.push(exampleError(f));
    if (problems.length > 0) throw new ValidationError(problems);
    stamp.remember();
  }
  cache.set(key, loaded);
  return loaded;
}

/**
 * Checking ~300 examples costs ~100 ms in a cold process, so a passing check is remembered (see
 * load-cache.ts) under a hash of the exact rule texts, the home directory, the Node version and
 * the analyser's own files (size and mtime). Any change to a rule file or to the analyser checks
 * again; a failing check is never remembered. AIOS_POLICY_CACHE=off turns the memo off.
 */
function verifiedStamp(loaded: LoadedPolicies, home: string): { seen: boolean; remember: () => void } {
  try {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const code = readdirSync(here)
      .sort()
      .map((f) => {
        const st = statSync(path.join(here, f));
        return `${f}:${st.size}:${st.mtimeMs}`;
      });
    const name = `verified-${sha256(JSON.stringify([loaded.digest, home, code, process.version]))}`;
    return { seen: readCache(name) !== undefined, remember: () => writeCache(name, '') };
  } catch {
    return { seen: false, remember: () => {} };
  }
}

export function allRules(p: LoadedPolicies): Rule[] {
  return [...p.base, ...[...p.presets.values()].flatMap((x) => x.rules), ...p.user];
}

/** Read and parse every rule file, collecting problems instead of throwing (for `aios policy test`). */
export function readPolicies(opts: PolicyLoadOptions): {
  loaded: LoadedPolicies;
  problems: UserInputError[];
} {
  const builtin = opts.builtinDir ?? builtinPolicyDir();
  const problems: UserInputError[] = [];
  const files: string[] = [];
  const digest = createHash('sha256');
  const read = (file: string, prefix: string) => {
    try {
      const text = readFileSync(file, 'utf8');
      digest.update(`${file}\0${text}\0`);
      const parsed = parseRuleFile(file, text, prefix, opts.home);
      files.push(file);
      return parsed;
    } catch (error) {
      if (error instanceof UserInputError) {
        problems.push(error);
        return undefined;
      }
      // A pattern the regex engine refuses (one of tens of KiB: "Regular expression too large") is
      // the file's fault, not ours: report it against the file like any other bad input.
      if (error instanceof SyntaxError || error instanceof RangeError) {
        problems.push(
          new UserInputError(`cannot compile a pattern: ${error.message.slice(0, 200)}`, { file }),
        );
        return undefined;
      }
      throw error;
    }
  };
  const base = read(path.join(builtin, 'base.toml'), 'builtin')?.rules ?? [];
  const presets = new Map<string, Preset>();
  for (const mode of MODES) {
    const file = path.join(builtin, `${mode}.toml`);
    const parsed = read(file, mode);
    if (!parsed) continue;
    if (!parsed.mode || parsed.mode.name !== mode) {
      problems.push(new UserInputError(`preset must have [mode] with name = "${mode}"`, { file }));
      continue;
    }
    presets.set(mode, { mode: parsed.mode, rules: parsed.rules });
  }
  const user: Rule[] = [];
  const userIds = new Map<string, string>();
  for (const dir of opts.dirs ?? []) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith('.toml'))
      .sort()) {
      const file = path.join(dir, name);
      const parsed = read(file, 'user');
      if (!parsed) continue;
      if (parsed.mode) {
        problems.push(
          new UserInputError('[mode] is only for the shipped presets; user files hold [[rule]]s', { file }),
        );
        continue;
      }
      for (const r of parsed.rules) {
        const prev = userIds.get(r.id);
        if (prev) {
          problems.push(
            new UserInputError(`rule id "${r.id}" is also defined in ${prev}`, {
              file,
              ...(r.line !== undefined ? { line: r.line } : {}),
              key: `rule ${r.id}`,
            }),
          );
          continue;
        }
        userIds.set(r.id, file);
        user.push(r);
      }
    }
  }
  return { loaded: { base, presets, user, files, digest: digest.digest('hex') }, problems };
}

/** Forget cached rule files (tests, and the daemon's reload). */
export function clearPolicyCache(): void {
  cache.clear();
}
