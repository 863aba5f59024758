// The `file` kind's spec: the zod schema of one [[file]] table and the FileSpec type derived from
// it. Loaded only to validate spec files (src/specs/load-specs.ts); file-controller.ts imports
// the type alone, so applying cached specs never loads zod (decision 172).
import { z } from 'zod';
import { absolutePathField, accountField, commonFields, modeField, presenceField } from './common-schema.js';

export const fileSchema = z
  .strictObject({
    path: absolutePathField,
    content: z.string().optional(),
    /** Relative paths are relative to the spec file's directory (the loader or observe resolves it). */
    source: z.string().min(1).optional(),
    mode: modeField.optional(),
    owner: accountField.optional(),
    group: accountField.optional(),
    state: presenceField,
    sensitive: z.boolean().default(false),
    validate: z
      .string()
      .includes('%s', { message: 'must contain %s (the path of the new file to check)' })
      .optional(),
    ...commonFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.content !== undefined && spec.source !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['source'], message: 'give either content or source, not both' });
    }
    if (spec.state === 'absent' && (spec.content !== undefined || spec.source !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['state'],
        message: 'an absent file cannot have content or source',
      });
    }
  });

export type FileSpec = z.infer<typeof fileSchema>;
