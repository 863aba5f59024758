// Reads the shape of the config schema (which keys exist, what type each leaf has) from the generated
// manifest, so env overrides can be typed and `aios config show` can list every key without loading zod.
import type { FieldSpec, SectionSpec } from './manifest-types.js';
import { manifest } from './schema-manifest.js';

/** The spec at a dotted path, or undefined when no such key exists. */
export function specAt(path: readonly string[], root: SectionSpec = manifest): FieldSpec | undefined {
  let spec: FieldSpec = root;
  for (const part of path) {
    if (spec.type !== 'section' || !Object.hasOwn(spec.fields, part)) return undefined;
    const next: FieldSpec | undefined = spec.fields[part];
    if (!next) return undefined;
    spec = next;
  }
  return spec;
}

export function isSectionAt(path: readonly string[]): boolean {
  return specAt(path)?.type === 'section';
}

/** Every leaf key of the schema as a dotted path, in schema order. */
export function leafPaths(root: FieldSpec = manifest, prefix: string[] = []): string[][] {
  if (root.type !== 'section') return [prefix];
  const out: string[][] = [];
  for (const [key, child] of Object.entries(root.fields)) out.push(...leafPaths(child, [...prefix, key]));
  return out;
}
