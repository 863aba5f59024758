// Kind → zod schema of one `[[kind]]` table, in one explicit list (no barrels). Only spec
// validation loads this module (src/specs/load-specs.ts imports it dynamically, and only when a
// spec file must be parsed); the controllers in registry.ts never import a schema, so a run whose
// specs come from a cache loads neither zod nor node-cron (decision 172). Adding a kind: add its
// schema here and its controller in registry.ts (docs/writing-a-controller.md).
import type { z } from 'zod';
import { cronSchema } from './cron-schema.js';
import { directorySchema } from './directory-schema.js';
import { execSchema } from './exec-schema.js';
import { fileSchema } from './file-schema.js';
import { groupSchema } from './group-schema.js';
import { intentSchema } from './intent-schema.js';
import { packageSchema } from './package-schema.js';
import { serviceSchema } from './service-schema.js';
import { symlinkSchema } from './symlink-schema.js';
import { sysctlSchema } from './sysctl-schema.js';
import { userSchema } from './user-schema.js';

const schemas: ReadonlyMap<string, z.ZodType> = new Map<string, z.ZodType>([
  ['file', fileSchema],
  ['directory', directorySchema],
  ['symlink', symlinkSchema],
  ['cron', cronSchema],
  ['sysctl', sysctlSchema],
  ['exec', execSchema],
  ['package', packageSchema],
  ['service', serviceSchema],
  ['user', userSchema],
  ['group', groupSchema],
  ['intent', intentSchema],
]);

/** Every kind with a schema, in registry order. */
export const specKinds: readonly string[] = [...schemas.keys()];

/** The zod schema of one `[[kind]]` table (common fields included), or undefined for an unknown kind. */
export function specSchemaFor(kind: string): z.ZodType | undefined {
  return schemas.get(kind);
}
