// The `package` kind's spec: the zod schema of one [[package]] table and the PackageSpec type derived
// from it. Loaded only to validate spec files: package-controller.ts imports the type alone, so
// applying cached specs never loads zod (decision 172).
import { z } from 'zod';
import { commonFields, presenceField } from './common-schema.js';

export const packageSchema = z
  .strictObject({
    name: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$/,
        'must be a Debian package name like "nginx" or "libc6:amd64"',
      ),
    /** Exact Debian version ("1.22.1-9", "1:2.3-1"); apt-get installs or downgrades to it. */
    version: z
      .string()
      .regex(/^[A-Za-z0-9.+~:-]+$/, 'must be a Debian version like "1.22.1-9"')
      .optional(),
    state: presenceField,
    ...commonFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.state === 'absent' && spec.version !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['version'], message: 'an absent package cannot pin a version' });
    }
  });

export type PackageSpec = z.infer<typeof packageSchema>;
