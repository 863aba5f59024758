// The `symlink` kind's spec: the zod schema of one [[symlink]] table and the SymlinkSpec type derived
// from it. Loaded only to validate spec files: symlink-controller.ts imports the type alone, so
// applying cached specs never loads zod (decision 172).
import { z } from 'zod';
import { absolutePathField, commonFields, presenceField } from './common-schema.js';

export const symlinkSchema = z
  .strictObject({
    path: absolutePathField,
    /** What the link points to; relative targets are relative to the link's directory, as ln -s. */
    target: z.string().min(1).optional(),
    state: presenceField,
    ...commonFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.state === 'present' && spec.target === undefined) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'a symlink needs a target' });
    }
  });

export type SymlinkSpec = z.infer<typeof symlinkSchema>;
