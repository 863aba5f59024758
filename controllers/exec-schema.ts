// The `exec` kind's spec: the zod schema of one [[exec]] table and the ExecSpec type derived
// from it. Loaded only to validate spec files: exec-controller.ts imports the type alone, so
// applying cached specs never loads zod (decision 172).
import { z } from 'zod';
import { absolutePathField, commonFields } from './common-schema.js';

export const DEFAULT_EXEC_TIMEOUT_SEC = 300;

export const execSchema = z
  .strictObject({
    /** The id is exec:<name>; a short label, not the command. */
    name: z.string().min(1),
    command: z.string().min(1),
    /** Host path (under the root): the command is not run when it exists. */
    creates: absolutePathField.optional(),
    /** Guard command: the command is not run when this exits 0. */
    unless: z.string().min(1).optional(),
    /** Guard command: the command is run only when this exits 0. */
    onlyif: z.string().min(1).optional(),
    /** Run only when a resource that notifies this one changed (never on a plain apply). */
    refreshonly: z.boolean().default(false),
    /** Working directory, a host path inside the root (default: the root itself). */
    cwd: absolutePathField.optional(),
    environment: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'), z.string())
      .optional(),
    /** Seconds before the command (or a guard) is killed. */
    timeout: z.number().int().positive().default(DEFAULT_EXEC_TIMEOUT_SEC),
    /** Accepted for uniformity; an exec is never "absent". */
    state: z.literal('present').default('present'),
    ...commonFields,
  })
  .superRefine((spec, ctx) => {
    if (!spec.creates && !spec.unless && !spec.onlyif && !spec.refreshonly) {
      ctx.addIssue({
        code: 'custom',
        path: ['command'],
        message: 'needs creates, unless, onlyif or refreshonly = true, or it would run on every apply',
      });
    }
  });

export type ExecSpec = z.infer<typeof execSchema>;
