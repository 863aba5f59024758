// The `service` kind's spec: the zod schema of one [[service]] table and the ServiceSpec type derived
// from it. Loaded only to validate spec files: service-controller.ts imports the type alone, so
// applying cached specs never loads zod (decision 172).
import { z } from 'zod';
import { commonFields } from './common-schema.js';

export const serviceSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9:_.@\\-]+$/, 'must be a systemd unit name like "nginx" or "nginx.service"')
    .refine((n) => !n.startsWith('-'), 'must not start with "-"'),
  /** Omitted: the running state is not managed. */
  state: z.enum(['running', 'stopped']).optional(),
  /** Omitted: enablement is not managed. */
  enabled: z.boolean().optional(),
  /** When a notifying resource changed: reload instead of restart. */
  reload_on_notify: z.boolean().default(false),
  /** The package that ships the unit (default: the service's name), an implicit dependency. */
  package: z.string().min(1).optional(),
  ...commonFields,
});

export type ServiceSpec = z.infer<typeof serviceSchema>;
