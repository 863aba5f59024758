// Small fake kinds for loader and graph tests: real zod schemas (looked up apart from the
// controllers, as controllers/spec-schemas.ts does), controllers without host I/O.
import { z } from 'zod';
import type { Controller } from '../../controllers/controller.js';
import type { LoadSpecsOptions } from '../../src/specs/load-specs.js';

const common = {
  requires: z.array(z.string()).optional(),
  notify: z.array(z.string()).optional(),
};

export const noteSchema = z.strictObject({
  path: z.string().startsWith('/', 'must be an absolute path'),
  content: z.string().optional(),
  source: z.string().optional(),
  mode: z
    .string()
    .regex(/^0?[0-7]{3,4}$/, 'must be an octal mode string like "0644"')
    .optional(),
  owner: z.string().optional(),
  ...common,
});
type Note = z.infer<typeof noteSchema>;

export const noteKind: Controller<Note, unknown> = {
  kind: 'file',
  name: (s) => s.path,
  observe: async () => ({}),
  diff: () => [],
  plan: () => [],
  implicitRequires: (s) => {
    const parent = s.path.slice(0, s.path.lastIndexOf('/')) || '/';
    return [`directory:${parent}`, ...(s.owner ? [`user:${s.owner}`] : [])];
  },
};

const dirSchema = z.strictObject({
  path: z.string().startsWith('/'),
  purge: z.boolean().optional(),
  managed_children: z.array(z.string()).optional(),
  ...common,
});
export const dirKind: Controller<z.infer<typeof dirSchema>, unknown> = {
  kind: 'directory',
  name: (s) => s.path,
  observe: async () => ({}),
  diff: () => [],
  plan: () => [],
};

const namedSchema = z.strictObject({ name: z.string().min(1), ...common });
function named(kind: string): Controller<z.infer<typeof namedSchema>, unknown> {
  return {
    kind,
    name: (s) => s.name,
    observe: async () => ({}),
    diff: () => [],
    plan: () => [],
  };
}
export const userKind = named('user');
export const packageKind = named('package');
export const serviceKind = {
  ...named('service'),
  implicitRequires: (s: { name: string }) => [`package:${s.name}`],
};

// biome-ignore lint/suspicious/noExplicitAny: fakes of several spec types in one table
const kinds = [noteKind, dirKind, userKind, packageKind, serviceKind] as Controller<any, any>[];
export const fakeLookup = (kind: string) => kinds.find((k) => k.kind === kind);

const schemas = new Map<string, z.ZodType>([
  ['file', noteSchema],
  ['directory', dirSchema],
  ['user', namedSchema],
  ['package', namedSchema],
  ['service', namedSchema],
]);
export const fakeSchemas = (kind: string) => schemas.get(kind);

/** loadSpecs options for the fake kinds: their controllers and their schemas. */
export const fakeKinds: LoadSpecsOptions = { lookup: fakeLookup, schemas: fakeSchemas };
