// The plain-data description of the config schema that the start-up path reads instead of zod
// (loading zod costs ~50 ms of module loading per command: see docs/decisions/011). It is generated
// from src/config/schema.ts and a test fails when the two differ, so it cannot drift.

export type FieldSpec =
  | { type: 'string'; optional?: true; default?: string; format?: 'duration' | 'schedule' }
  | {
      type: 'number';
      optional?: true;
      default?: number;
      int?: true;
      min?: number;
      minInclusive?: boolean;
    }
  | { type: 'boolean'; optional?: true; default?: boolean }
  | { type: 'enum'; optional?: true; default?: string; values: readonly string[] }
  | { type: 'array'; optional?: true; default?: readonly string[]; element: 'string' }
  | SectionSpec;

export interface SectionSpec {
  type: 'section';
  fields: Readonly<Record<string, FieldSpec>>;
}
