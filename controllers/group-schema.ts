// The `group` kind's spec: the zod schema of one [[group]] table and the GroupSpec type derived
// from it. Loaded only to validate spec files: group-controller.ts imports the type alone, so
// applying cached specs never loads zod (decision 172).
import { z } from 'zod';
import { commonFields, presenceField } from './common-schema.js';

export const groupSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/, 'must be a group name (letters, digits, _ . -)'),
  gid: z.number().int().nonnegative().optional(),
  /** Only used when the group is created: a gid from the system range. */
  system: z.boolean().default(false),
  state: presenceField,
  ...commonFields,
});

export type GroupSpec = z.infer<typeof groupSchema>;
