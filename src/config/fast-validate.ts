// The start-up path's validator: accepts a raw config only when it can prove it valid against the
// generated manifest, and then returns exactly what zod would (defaults filled in). On anything else
// (an unknown key, a wrong type, a bad duration) it returns undefined and the caller runs the zod
// validator, which finds and words every problem. It never reports errors itself.
import { isDuration, parseSchedule } from './duration.js';
import type { FieldSpec, SectionSpec } from './manifest-types.js';
import type { Config } from './schema.js';
import { manifest } from './schema-manifest.js';

const REJECT = Symbol('reject');

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function validSchedule(text: string): boolean {
  try {
    parseSchedule(text);
    return true;
  } catch {
    return false;
  }
}

function section(spec: SectionSpec, raw: unknown): Record<string, unknown> | typeof REJECT {
  if (raw !== undefined && !isPlainObject(raw)) return REJECT;
  const input = raw ?? {};
  for (const key of Object.keys(input)) if (!Object.hasOwn(spec.fields, key)) return REJECT;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(spec.fields)) {
    const value = value_(field, input[key]);
    if (value === REJECT) return REJECT;
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function value_(spec: FieldSpec, raw: unknown): unknown {
  if (spec.type === 'section') return section(spec, raw);
  if (raw === undefined) {
    if (spec.default !== undefined) return Array.isArray(spec.default) ? [...spec.default] : spec.default;
    return spec.optional ? undefined : REJECT;
  }
  switch (spec.type) {
    case 'string':
      if (typeof raw !== 'string') return REJECT;
      if (spec.format === 'duration' && !isDuration(raw)) return REJECT;
      if (spec.format === 'schedule' && !validSchedule(raw)) return REJECT;
      return raw;
    case 'number':
      if (typeof raw !== 'number' || !Number.isFinite(raw)) return REJECT;
      if (spec.int && !Number.isSafeInteger(raw)) return REJECT;
      if (spec.min !== undefined && (spec.minInclusive ? raw < spec.min : raw <= spec.min)) return REJECT;
      return raw;
    case 'boolean':
      return typeof raw === 'boolean' ? raw : REJECT;
    case 'enum':
      return typeof raw === 'string' && spec.values.includes(raw) ? raw : REJECT;
    case 'array':
      return Array.isArray(raw) && raw.every((v) => typeof v === 'string') ? [...raw] : REJECT;
  }
}

/** The parsed config when `raw` is certainly valid, else undefined (run the zod validator then). */
export function fastParse(raw: unknown): Config | undefined {
  const out = section(manifest, raw);
  return out === REJECT ? undefined : (out as Config);
}
