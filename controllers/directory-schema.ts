// The `directory` kind's spec: the zod schema of one [[directory]] table and the DirectorySpec
// type derived from it. Loaded only to validate spec files: directory-controller.ts imports the
// type alone, so applying cached specs never loads zod (decision 172).
import { z } from 'zod';
import { isTopLevel } from './common-fields.js';
import { absolutePathField, accountField, commonFields, modeField, presenceField } from './common-schema.js';

export const directorySchema = z
  .strictObject({
    path: absolutePathField,
    mode: modeField.optional(),
    owner: accountField.optional(),
    group: accountField.optional(),
    state: presenceField,
    /** Remove every entry inside that no declared file/directory/symlink resource accounts for. */
    purge: z.boolean().default(false),
    /** With state = absent: remove a non-empty directory and everything in it. */
    force: z.boolean().default(false),
    /**
     * Host paths of the file/directory/symlink resources declared inside this directory (at any
     * depth). The spec loader fills it from the other resources; entries written by hand are kept
     * too, which is how you spare something purge would otherwise remove.
     */
    managed_children: z.array(absolutePathField).optional(),
    ...commonFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.purge && isTopLevel(spec.path)) {
      ctx.addIssue({
        code: 'custom',
        path: ['purge'],
        message: `purging ${spec.path} would delete everything no resource declares there; purge a narrower directory`,
      });
    }
    if (spec.force && spec.state === 'absent' && isTopLevel(spec.path)) {
      ctx.addIssue({
        code: 'custom',
        path: ['force'],
        message: `refusing to remove ${spec.path} and everything in it`,
      });
    }
  });

export type DirectorySpec = z.infer<typeof directorySchema>;
