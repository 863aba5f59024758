// zod pieces every resource kind's schema shares (ARCHITECTURE.md §3): `requires`, `notify`,
// `state`, and the field shapes file-like kinds agree on (octal modes, owners). Only the
// <kind>-schema.ts modules import this: runtime controllers must never pull zod in (decision 172).
import { z } from 'zod';
import { normalizeMode, normalizePath } from './common-fields.js';

export const resourceIdField = z
  .string()
  .regex(/^[a-z][a-z0-9_]*:.+$/, 'must be a resource id like "file:/etc/motd" or "service:nginx"');

/** Spread into every kind's `z.strictObject({...})`. */
export const commonFields = {
  requires: z.array(resourceIdField).optional(),
  notify: z.array(resourceIdField).optional(),
};

export const presenceField = z.enum(['present', 'absent']).default('present');

export const absolutePathField = z
  .string()
  .startsWith('/', 'must be an absolute path')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."')
  .transform(normalizePath);

/**
 * Modes are strings ("0644"). TOML integers are refused on purpose: `mode = 644` would be the
 * decimal 644 (octal 1204), and `0o644` cannot be told apart from a decimal 420 after parsing.
 */
export const modeField = z
  .string({ error: 'must be an octal mode string like "0644"' })
  .regex(/^0?[0-7]{3,4}$/, 'must be an octal mode string like "0644"')
  .transform(normalizeMode);

/** A user or group: a name, or a numeric id (written as a number or a string). */
export const accountField = z.union([
  z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/, 'must be a user/group name or a numeric id'),
  z
    .number()
    .int()
    .nonnegative()
    .transform((n) => String(n)),
]);
