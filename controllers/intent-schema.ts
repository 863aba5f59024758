// The `intent` kind's spec: the zod schema of one [[intent]] table and the IntentSpec type derived
// from it. Loaded only to validate spec files: intent-controller.ts imports the type alone, so
// applying cached specs never loads zod (decision 172).
import { z } from 'zod';
import { DEFAULT_CHECK_TIMEOUT_SEC } from '../src/host/check-run.js';
import { commonFields } from './common-schema.js';

export const DEFAULT_MAX_ATTEMPTS = 3;

export const intentSchema = z.strictObject({
  /** The id is intent:<name>: a short label. */
  name: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be a short label (letters, digits, . _ -)'),
  /** What should be true, in words: the agent's task. */
  goal: z.string().min(1),
  /** Read-only command that exits 0 when the goal holds (run with cwd = the root, AIOS_ROOT set). */
  check: z.string().min(1),
  /** Agent turns (each followed by the check) before the intent is given up as failed. */
  max_attempts: z.number().int().min(1).max(20).default(DEFAULT_MAX_ATTEMPTS),
  /** Seconds before the check is killed. */
  timeout: z.number().int().positive().default(DEFAULT_CHECK_TIMEOUT_SEC),
  /** Accepted for uniformity; an intent is never "absent". */
  state: z.literal('present').default('present'),
  ...commonFields,
});

export type IntentSpec = z.infer<typeof intentSchema>;
