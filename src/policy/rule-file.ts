// Reads one policy file (policies/README.md describes the format) into Rules and optional mode
// settings. Every problem — TOML syntax, an unknown key, a wrong type, a bad regex — becomes a
// UserInputError naming the file, the line and the rule. Checking examples is rule-examples.ts.
import { createRequire } from 'node:module';
import { lineOfTopLevelKey } from '../config/toml-locator.js';
import { UserInputError } from '../errors.js';
import type { Effect, Verdict } from '../types.js';
import type { FindingKind } from './analysis-types.js';
import { readCache, sha256, writeCache } from './load-cache.js';
import { pathPatternRegex } from './path-normalise.js';
import type { ModeSettings, Rule, RuleExample } from './rule-types.js';

export interface RuleFile {
  file: string;
  rules: Rule[];
  mode?: ModeSettings;
}

const VERDICTS = ['allow', 'confirm', 'deny'] as const;
const EFFECTS = ['read', 'write', 'exec', 'network'] as const;
export const FINDING_KINDS: FindingKind[] = [
  'download-exec',
  'decode-exec',
  'dynamic-command',
  'indirect-command',
  'eval',
  'source-untrusted',
  'stdin-shell',
  'inline-code',
  'parse-error',
  'too-deep',
  'fork-bomb',
  'dynamic-target',
];

const LIST_KEYS = {
  command: 'command',
  subcommand: 'subcommand',
  flags_all: 'flagsAll',
  flags_any: 'flagsAny',
  flags_none: 'flagsNone',
  args_any: 'argsAny',
  targets_any: 'targetsAny',
  writes_any: 'writesAny',
  reads_any: 'readsAny',
  paths_except: 'pathsExcept',
  tool: 'tool',
  modes: 'modes',
} as const;

const RULE_KEYS = new Set([
  'id',
  'description',
  'verdict',
  'relaxable',
  'read_only',
  'args_regex',
  'findings',
  'effect',
  'match',
  'not_match',
  ...Object.keys(LIST_KEYS),
]);
const CRITERIA = [
  ...Object.keys(LIST_KEYS).filter((k) => k !== 'modes' && k !== 'paths_except'),
  'args_regex',
  'findings',
  'effect',
  'read_only',
];
const MODE_KEYS = new Set(['name', 'read', 'write', 'exec', 'network', 'relax_confirm', 'require_allow']);

/**
 * Parse a policy file's text. `prefix` qualifies rule ids (`builtin`, a mode name, `user`);
 * `home` expands `~` in path patterns.
 */
export function parseRuleFile(file: string, text: string, prefix: string, home: string): RuleFile {
  try {
    return parseRuleFileText(file, text, prefix, home);
  } catch (error) {
    // A pattern (or an id, which is located by a pattern) too large for the regex engine is the
    // file's fault: an error naming the file, like any other bad input, never a crash.
    if (error instanceof SyntaxError || error instanceof RangeError) {
      throw new UserInputError(`cannot compile a pattern: ${error.message.slice(0, 200)}`, { file });
    }
    throw error;
  }
}

function parseRuleFileText(file: string, text: string, prefix: string, home: string): RuleFile {
  const doc = parseTomlCached(file, text);
  const out: RuleFile = { file, rules: [] };
  for (const key of Object.keys(doc)) {
    if (key !== 'rule' && key !== 'mode') {
      const line = lineOfTopLevelKey(text, key);
      throw new UserInputError(
        `unknown top-level key "${key}" (expected [[rule]] or [mode])`,
        at(file, line, key),
      );
    }
  }
  if (doc.mode !== undefined) out.mode = parseMode(file, text, doc.mode);
  const rules = doc.rule ?? [];
  if (!Array.isArray(rules))
    throw new UserInputError('"rule" must be an array of tables ([[rule]])', { file });
  const seen = new Set<string>();
  rules.forEach((raw, index) => {
    const rule = parseRule(file, text, raw, index, prefix, home);
    if (seen.has(rule.id)) {
      throw new UserInputError(`duplicate rule id "${rule.id}"`, loc(file, rule.line, rule.id));
    }
    seen.add(rule.id);
    out.rules.push(rule);
  });
  return out;
}

function parseRule(
  file: string,
  text: string,
  raw: unknown,
  index: number,
  prefix: string,
  home: string,
): Rule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UserInputError(`rule #${index + 1} must be a table`, { file });
  }
  const r = raw as Record<string, unknown>;
  const bareId = r.id;
  if (typeof bareId !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/i.test(bareId)) {
    const line = nthLine(text, /^\s*\[\[rule\]\]/, index);
    throw new UserInputError(
      `rule #${index + 1} needs an "id" (letters, digits, . _ -)`,
      at(file, line, 'id'),
    );
  }
  // The pattern is still compiled (a match on '' compiles it): an id too large for the regex
  // engine stays a refused rule file, as when every line was matched against it.
  new RegExp(`^\\s*id\\s*=\\s*["']${escapeRe(bareId)}["']`).test('');
  const line = idLine(text, bareId);
  const where = (key?: string) => loc(file, line, bareId, key);
  for (const key of Object.keys(r)) {
    if (!RULE_KEYS.has(key)) throw new UserInputError(`rule "${bareId}": unknown key "${key}"`, where(key));
  }
  const verdict = r.verdict;
  if (typeof verdict !== 'string' || !(VERDICTS as readonly string[]).includes(verdict)) {
    throw new UserInputError(`rule "${bareId}": "verdict" must be allow, confirm or deny`, where('verdict'));
  }
  if (typeof r.description !== 'string' || r.description.trim() === '') {
    throw new UserInputError(`rule "${bareId}": "description" is required`, where('description'));
  }
  if (!CRITERIA.some((k) => r[k] !== undefined)) {
    throw new UserInputError(
      `rule "${bareId}": needs at least one match criterion (${CRITERIA.join(', ')})`,
      where(),
    );
  }
  const list = (key: string): string[] => {
    const v = r[key];
    if (v === undefined) return [];
    if (typeof v === 'string') return [v];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      throw new UserInputError(
        `rule "${bareId}": "${key}" must be a string or an array of strings`,
        where(key),
      );
    }
    return v as string[];
  };
  const expandHome = (p: string) => (p === '~' || p.startsWith('~/') ? home + p.slice(1) : p);
  // Path patterns become regexes when a decision needs them; compile them now, so a pattern the
  // regex engine refuses (tens of KiB) is this file's error, not a crash at decision time.
  const paths = (key: string, expand = true): string[] =>
    list(key).map((p) => {
      const expanded = expand ? expandHome(p) : p;
      try {
        pathPatternRegex(expanded);
      } catch (error) {
        throw new UserInputError(
          `rule "${bareId}": bad ${key} pattern: ${(error as Error).message.slice(-120)}`,
          where(key),
        );
      }
      return expanded;
    });
  const rule: Rule = {
    id: `${prefix}:${bareId}`,
    description: r.description,
    verdict: verdict as Verdict,
    relaxable: true,
    modes: list('modes'),
    command: list('command'),
    subcommand: list('subcommand'),
    flagsAll: list('flags_all'),
    flagsAny: list('flags_any'),
    flagsNone: list('flags_none'),
    argsAny: paths('args_any', false),
    argsRegex: list('args_regex').map((src) => {
      try {
        return new RegExp(src);
      } catch (error) {
        throw new UserInputError(
          `rule "${bareId}": bad args_regex ${src}: ${(error as Error).message}`,
          where('args_regex'),
        );
      }
    }),
    targetsAny: paths('targets_any'),
    writesAny: paths('writes_any'),
    readsAny: paths('reads_any'),
    pathsExcept: paths('paths_except'),
    findings: list('findings').map((f) => {
      if (!(FINDING_KINDS as string[]).includes(f)) {
        throw new UserInputError(
          `rule "${bareId}": unknown finding "${f}" (one of ${FINDING_KINDS.join(', ')})`,
          where('findings'),
        );
      }
      return f as FindingKind;
    }),
    tool: list('tool'),
    effect: list('effect').map((e) => {
      if (!(EFFECTS as readonly string[]).includes(e)) {
        throw new UserInputError(`rule "${bareId}": unknown effect "${e}"`, where('effect'));
      }
      return e as Effect;
    }),
    match: examples(r.match, bareId, 'match', where),
    notMatch: examples(r.not_match, bareId, 'not_match', where),
    file,
    ...(line !== undefined ? { line } : {}),
  };
  if (r.relaxable !== undefined) {
    if (typeof r.relaxable !== 'boolean')
      throw new UserInputError(`rule "${bareId}": "relaxable" must be true or false`, where('relaxable'));
    rule.relaxable = r.relaxable;
  }
  if (r.read_only !== undefined) {
    if (typeof r.read_only !== 'boolean')
      throw new UserInputError(`rule "${bareId}": "read_only" must be true or false`, where('read_only'));
    rule.readOnly = r.read_only;
  }
  return rule;
}

function examples(
  v: unknown,
  id: string,
  key: string,
  where: (key?: string) => ReturnType<typeof loc>,
): RuleExample[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new UserInputError(`rule "${id}": "${key}" must be an array`, where(key));
  return v.map((x) => {
    if (typeof x === 'string') return x;
    if (typeof x === 'object' && x !== null && typeof (x as { tool?: unknown }).tool === 'string') {
      const { tool, ...args } = x as Record<string, unknown>;
      return { tool: tool as string, args };
    }
    throw new UserInputError(
      `rule "${id}": each "${key}" example is a shell command string or a table { tool = "...", path = "..." }`,
      where(key),
    );
  });
}

function parseMode(file: string, text: string, raw: unknown): ModeSettings {
  const line = lineOf(text, /^\s*\[mode\]/);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UserInputError('[mode] must be a table', at(file, line));
  }
  const m = raw as Record<string, unknown>;
  for (const key of Object.keys(m)) {
    if (!MODE_KEYS.has(key)) throw new UserInputError(`[mode]: unknown key "${key}"`, at(file, line, key));
  }
  const verdict = (key: string): Verdict => {
    const v = m[key] ?? 'allow';
    if (typeof v !== 'string' || !(VERDICTS as readonly string[]).includes(v)) {
      throw new UserInputError(`[mode]: "${key}" must be allow, confirm or deny`, at(file, line, key));
    }
    return v as Verdict;
  };
  const bool = (key: string): boolean => {
    const v = m[key] ?? false;
    if (typeof v !== 'boolean')
      throw new UserInputError(`[mode]: "${key}" must be true or false`, at(file, line, key));
    return v;
  };
  if (typeof m.name !== 'string')
    throw new UserInputError('[mode]: "name" is required', at(file, line, 'name'));
  return {
    name: m.name,
    read: verdict('read'),
    write: verdict('write'),
    exec: verdict('exec'),
    network: verdict('network'),
    relaxConfirm: bool('relax_confirm'),
    requireAllow: bool('require_allow'),
  };
}

function loc(file: string, line: number | undefined, id: string, key?: string) {
  return { file, ...(line !== undefined ? { line } : {}), key: key ? `rule ${id}: ${key}` : `rule ${id}` };
}

type SmolToml = typeof import('smol-toml');
let toml: SmolToml | undefined;

/**
 * TOML → plain object. The TOML parser loads only on a cache miss (start-up time): a file parsed
 * before is read back as JSON keyed by the hash of its text. Documents holding dates (never valid
 * in a rule file anyway) are not cached, so the JSON round trip is always lossless.
 */
function parseTomlCached(file: string, text: string): Record<string, unknown> {
  const key = `toml-${sha256(text)}.json`;
  const hit = readCache(key);
  if (hit !== undefined) {
    try {
      return JSON.parse(hit) as Record<string, unknown>;
    } catch {
      // a torn cache file: parse again below
    }
  }
  toml ??= createRequire(import.meta.url)('smol-toml') as SmolToml;
  let doc: Record<string, unknown>;
  try {
    doc = toml.parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof toml.TomlError) {
      throw new UserInputError(`TOML syntax error: ${error.message.split('\n')[0]}`, at(file, error.line));
    }
    throw error;
  }
  try {
    writeCache(
      key,
      JSON.stringify(doc, (_k, v: unknown) => {
        if (v instanceof Date) throw new Error('date');
        return v;
      }),
    );
  } catch {
    // not cacheable
  }
  return doc;
}

function at(file: string, line: number | undefined, key?: string) {
  return { file, ...(line !== undefined ? { line } : {}), ...(key !== undefined ? { key } : {}) };
}

/** The lines of the file being parsed, split once: every rule asks for its line number. */
let lastText: string | undefined;
let lastLines: string[] = [];
function linesOf(text: string): string[] {
  if (text !== lastText) {
    lastText = text;
    lastLines = text.split('\n');
  }
  return lastLines;
}

/**
 * The line of the first `id = "ID"` of the file: what lineOf with that id's pattern finds (an id is
 * letters, digits and `._-`, so the text up to the next quote is the whole id), indexed in one pass
 * instead of one scan of the file per rule.
 */
let idLinesText: string | undefined;
let idLines = new Map<string, number>();
function idLine(text: string, id: string): number | undefined {
  if (text !== idLinesText) {
    idLinesText = text;
    idLines = new Map();
    const lines = linesOf(text);
    for (let i = 0; i < lines.length; i++) {
      const m = /^\s*id\s*=\s*["']([^"']*)["']/.exec(lines[i] ?? '');
      if (m && !idLines.has(m[1] as string)) idLines.set(m[1] as string, i + 1);
    }
  }
  return idLines.get(id);
}

function lineOf(text: string, re: RegExp): number | undefined {
  const i = linesOf(text).findIndex((l) => re.test(l));
  return i >= 0 ? i + 1 : undefined;
}

function nthLine(text: string, re: RegExp, n: number): number | undefined {
  const lines = linesOf(text);
  let count = -1;
  for (let i = 0; i < lines.length; i++) {
    if (re.test(lines[i] ?? '') && ++count === n) return i + 1;
  }
  return undefined;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
