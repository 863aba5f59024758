// The slow, thorough validator: runs the zod schema on each file alone and on the merged result, and
// turns every zod issue into a UserInputError naming file, line, key and the expected type. Loaded only
// when src/config/fast-validate.ts could not prove a config valid, so zod stays off the start-up path.
import type { z } from 'zod';
import { UserInputError } from '../errors.js';
import { type Origins, originOf } from './origins.js';
import { type Config, configSchema } from './schema.js';
import type { KeyLines } from './toml-locator.js';

type Raw = Record<string, unknown>;

export interface Layer {
  file: string;
  raw: Raw;
  lines: KeyLines;
}

function isPlainObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export function keyOf(p: readonly PropertyKey[]): string {
  return p.map(String).join('.');
}

/** The line of a key, or of the nearest key above it that the file spells out. */
export function lineOf(lines: KeyLines, p: readonly PropertyKey[]): number | undefined {
  for (let n = p.length; n > 0; n--) {
    const line = lines.get(keyOf(p.slice(0, n)));
    if (line !== undefined) return line;
  }
  return undefined;
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

/**
 * Validates one file on its own, so every problem names that file: unknown keys become warnings and are
 * removed from the layer (the file still loads), anything else is an error.
 */
export function checkLayer(layer: Layer, problems: UserInputError[], warnings: string[]): void {
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

/**
 * Validates the merged layers. Problems in file values were reported by checkLayer with their line, so
 * only what env vars and flags caused is added here. Returns the config when it is valid.
 */
export function validateMerged(
  merged: Raw,
  origins: Origins,
  problems: UserInputError[],
): Config | undefined {
  const result = configSchema.safeParse(merged);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const origin = originOf(origins, issue.path.map(String));
    if (origin?.source === 'file' || issue.code === 'unrecognized_keys') continue;
    const what = describeIssue(issue, merged);
    const key = keyOf(issue.path);
    if (origin?.source === 'env') {
      problems.push(new UserInputError(`environment variable ${origin.variable} (${key}): ${what}`));
    } else if (origin?.source === 'flag')
      problems.push(new UserInputError(`${origin.flag} (${key}): ${what}`));
    else problems.push(new UserInputError(`${key}: ${what}`));
  }
  return undefined;
}
