// Derives the plain-data manifest (src/config/manifest-types.ts) from the zod schema. Used by the sync
// test, and to regenerate src/config/schema-manifest.ts: AIOS_UPDATE_MANIFEST=1 npx vitest run test/config/schema-manifest.test.ts
import type { z } from 'zod';
import type { FieldSpec, SectionSpec } from '../../src/config/manifest-types.js';

interface Check {
  check: string;
  format?: string;
  value?: number;
  inclusive?: boolean;
}
interface Def {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  shape?: Record<string, z.ZodType>;
  entries?: Record<string, string>;
  element?: z.ZodType;
  checks?: { _zod: { def: Check } }[];
}

const def = (s: z.ZodType): Def => (s as unknown as { def: Def }).def;

export function deriveField(schema: z.ZodType): FieldSpec {
  let s = schema;
  let optional = false;
  let dflt: unknown;
  let hasDefault = false;
  for (;;) {
    const d = def(s);
    if (d.type === 'optional' && d.innerType) {
      optional = true;
      s = d.innerType;
    } else if (d.type === 'default' && d.innerType) {
      hasDefault = true;
      dflt = d.defaultValue;
      s = d.innerType;
    } else break;
  }
  const d = def(s);
  const extra = {
    ...(optional ? { optional: true as const } : {}),
  };
  switch (d.type) {
    case 'object': {
      const fields: Record<string, FieldSpec> = {};
      for (const [k, v] of Object.entries(d.shape ?? {})) fields[k] = deriveField(v);
      return { type: 'section', fields };
    }
    case 'string': {
      const meta = (s as unknown as { meta(): { format?: string } | undefined }).meta();
      const format = meta?.format === 'duration' || meta?.format === 'schedule' ? meta.format : undefined;
      return {
        type: 'string',
        ...extra,
        ...(hasDefault ? { default: dflt as string } : {}),
        ...(format ? { format } : {}),
      };
    }
    case 'number': {
      const checks = (d.checks ?? []).map((c) => c._zod.def);
      const int = checks.some((c) => c.check === 'number_format' && c.format === 'safeint');
      const min = checks.find((c) => c.check === 'greater_than');
      return {
        type: 'number',
        ...extra,
        ...(hasDefault ? { default: dflt as number } : {}),
        ...(int ? { int: true as const } : {}),
        ...(min ? { min: min.value as number, minInclusive: Boolean(min.inclusive) } : {}),
      };
    }
    case 'boolean':
      return { type: 'boolean', ...extra, ...(hasDefault ? { default: dflt as boolean } : {}) };
    case 'enum':
      return {
        type: 'enum',
        ...extra,
        ...(hasDefault ? { default: dflt as string } : {}),
        values: Object.values(d.entries ?? {}),
      };
    case 'array': {
      if (!d.element || def(d.element).type !== 'string')
        throw new Error('only arrays of strings are supported');
      return {
        type: 'array',
        ...extra,
        ...(hasDefault ? { default: dflt as string[] } : {}),
        element: 'string',
      };
    }
    default:
      throw new Error(`schema type ${d.type} has no manifest form: extend src/config/manifest-types.ts`);
  }
}

export function deriveManifest(schema: z.ZodType): SectionSpec {
  const spec = deriveField(schema);
  if (spec.type !== 'section') throw new Error('the config schema must be an object');
  return spec;
}
