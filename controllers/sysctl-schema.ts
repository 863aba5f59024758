// The `sysctl` kind's spec: the zod schema of one [[sysctl]] table and the SysctlSpec type derived
// from it. Loaded only to validate spec files: sysctl-controller.ts imports the type alone, so
// applying cached specs never loads zod (decision 172).
import { z } from 'zod';
import { commonFields, presenceField } from './common-schema.js';
import { normalizeValue } from './sysctl-value.js';

export const sysctlSchema = z
  .strictObject({
    /** Dotted key as `sysctl` prints it, e.g. net.ipv4.ip_forward. */
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/,
        'must be a dotted kernel parameter like net.ipv4.ip_forward',
      ),
    /** Numbers and booleans are written as sysctl prints them (true → 1). */
    value: z
      .union([z.string(), z.number(), z.boolean()])
      .transform((v) => normalizeValue(typeof v === 'boolean' ? (v ? '1' : '0') : String(v)))
      .optional(),
    state: presenceField,
    ...commonFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.state === 'present' && (spec.value === undefined || spec.value === '')) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'a sysctl needs a value' });
    }
    if (spec.value !== undefined && /[\r\n#;]/.test(spec.value)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be one line without # or ;' });
    }
  });

export type SysctlSpec = z.infer<typeof sysctlSchema>;
