// Reads the shape of the zod config schema (which keys exist, what type each leaf has) so env
// overrides can be typed and `aios config show` can list every key, without a second copy of the
// schema that could drift from it. Only zod's public `def` data is read; nothing is validated here.
import type { z } from 'zod';

export type LeafKind = 'string' | 'number' | 'boolean' | 'array' | 'enum' | 'other';

export interface LeafInfo {
  kind: LeafKind;
  /** Allowed values of an enum leaf. */
  values?: string[];
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  entries?: Record<string, string>;
  in?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { def: Def }).def;
}

/** Strips default/optional/nullable/pipe wrappers down to the schema that says the type. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let n = 0; n < 20; n++) {
    const def = defOf(s);
    if ((def.type === 'default' || def.type === 'optional' || def.type === 'nullable') && def.innerType) {
      s = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      s = def.in;
    } else break;
  }
  return s;
}

function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const def = defOf(unwrap(schema));
  return def.type === 'object' ? def.shape : undefined;
}

/** The schema at a dotted path, or undefined when no such key exists. */
export function schemaAt(root: z.ZodType, path: readonly string[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = root;
  for (const part of path) {
    const shape: Record<string, z.ZodType> | undefined = s ? shapeOf(s) : undefined;
    if (!shape || !Object.hasOwn(shape, part)) return undefined;
    s = shape[part];
  }
  return s;
}

export function isSection(schema: z.ZodType): boolean {
  return shapeOf(schema) !== undefined;
}

export function leafInfo(schema: z.ZodType): LeafInfo {
  const def = defOf(unwrap(schema));
  switch (def.type) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'array':
      return { kind: def.type };
    case 'enum':
      return { kind: 'enum', values: Object.values(def.entries ?? {}) };
    default:
      return { kind: 'other' };
  }
}

/** Every leaf key of the schema as a dotted path, in schema order. */
export function leafPaths(root: z.ZodType, prefix: string[] = []): string[][] {
  const shape = shapeOf(root);
  if (!shape) return [prefix];
  const out: string[][] = [];
  for (const [key, child] of Object.entries(shape)) out.push(...leafPaths(child, [...prefix, key]));
  return out;
}
