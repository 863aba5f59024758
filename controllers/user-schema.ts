// The `user` kind's spec: the zod schema of one [[user]] table and the UserSpec type derived
// from it. Loaded only to validate spec files: user-controller.ts imports the type alone, so
// applying cached specs never loads zod (decision 172).
import { z } from 'zod';
import { accountField, commonFields, presenceField } from './common-schema.js';

const accountName = z
  .string()
  .regex(/^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/, 'must be a user or group name (letters, digits, _ . -)');
const noColon = (what: string) => z.string().regex(/^[^:\n]*$/, `${what} must not contain ":" or a newline`);

export const userSchema = z
  .strictObject({
    name: accountName,
    uid: z.number().int().nonnegative().optional(),
    /** Primary group by name (or numeric id as text); `gid` is the numeric form. Give one. */
    group: accountField.optional(),
    gid: z.number().int().nonnegative().optional(),
    /** Supplementary groups: the whole list (others are dropped). Omitted: not managed. */
    groups: z.array(accountName).optional(),
    home: noColon('home').startsWith('/', 'must be an absolute path').optional(),
    shell: noColon('shell').optional(),
    comment: noColon('comment').optional(),
    /** Only used when the account is created (a system uid range, no aging). */
    system: z.boolean().default(false),
    /** Only used when the account is created: make the home directory from /etc/skel. */
    create_home: z.boolean().optional(),
    state: presenceField,
    ...commonFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.group !== undefined && spec.gid !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['gid'], message: 'give either group or gid, not both' });
    }
  });

export type UserSpec = z.infer<typeof userSchema>;
