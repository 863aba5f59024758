// The `cron` kind's spec: the zod schema of one [[cron]] table, the CronSpec type derived from it,
// and the schedule check (node-cron plus what Debian's cron refuses). Loaded only to validate
// spec files: cron-controller.ts imports the type alone, so applying cached specs loads neither
// zod nor node-cron (decision 172).
import { validateDetailed } from 'node-cron';
import { z } from 'zod';
import { commonFields, presenceField } from './common-schema.js';

const NICKNAMES = [
  '@reboot',
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
];

/** Why a cron.d schedule is invalid, or undefined when it is fine. Pure. */
export function scheduleProblem(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s.startsWith('@')) {
    return NICKNAMES.includes(s) ? undefined : `unknown schedule "${s}" (use one of ${NICKNAMES.join(', ')})`;
  }
  const fields = s.split(/\s+/).filter(Boolean);
  // node-cron also accepts a leading seconds field; cron.d lines do not have one.
  if (fields.length !== 5) {
    return `a cron schedule has 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}: "${s}"`;
  }
  const vixie = vixieProblem(fields);
  if (vixie) return vixie;
  const checked = validateDetailed(fields.join(' '));
  if (checked.valid) return undefined;
  return checked.errors.map((e) => e.message).join('; ') || `invalid schedule "${s}"`;
}

const FIELD_NAMES = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/**
 * node-cron also accepts syntax Debian's cron does not (`L`, `?`, `#`, long names): a line cron
 * cannot parse is skipped with only a syslog message, so refuse it here. Pure.
 */
function vixieProblem(fields: string[]): string | undefined {
  for (const [i, field] of fields.entries()) {
    for (const token of field.split(/[,/-]/)) {
      if (token === '*' || /^\d+$/.test(token)) continue;
      const lower = token.toLowerCase();
      if ((i === 3 && MONTHS.includes(lower)) || (i === 4 && DAYS.includes(lower))) continue;
      return `"${token}" in the ${FIELD_NAMES[i]} field is not cron syntax (numbers, *, ranges, steps, lists${
        i >= 3 ? ', three-letter names' : ''
      })`;
    }
  }
  return undefined;
}

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const cronSchema = z
  .strictObject({
    /** File name in /etc/cron.d: cron skips names with dots, so only letters, digits, _ and -. */
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9_-]+$/,
        'may hold only letters, digits, "_" and "-" (cron ignores /etc/cron.d files with dots)',
      ),
    schedule: z
      .string()
      .transform((s, ctx) => {
        const problem = scheduleProblem(s);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
        return s.trim().split(/\s+/).join(' ');
      })
      .optional(),
    user: z
      .string()
      .regex(/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/, 'must be a user name')
      .default('root'),
    command: z
      .string()
      .min(1)
      .refine((c) => !/[\r\n]/.test(c), 'must be one line (cron reads one job per line)')
      .refine(
        (c) => !/(^|[^\\])%/.test(c),
        'an unescaped % is a newline to cron (write \\% for a literal percent sign)',
      )
      .optional(),
    /** Variables set for the job: a table (`{ MAILTO = "ops@example.com" }`) or "KEY=value" lines. */
    environment: z
      .union([
        z.record(z.string().regex(envName, 'must be a variable name'), z.string()),
        z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, 'must look like KEY=value')),
      ])
      .optional()
      .refine(
        // Names are checked above; each line the controller writes is `name=value` or the entry itself.
        (env) =>
          env === undefined || !(Array.isArray(env) ? env : Object.values(env)).some((l) => /[\r\n]/.test(l)),
        'environment values must be one line each',
      ),
    state: presenceField,
    ...commonFields,
  })
  .superRefine((spec, ctx) => {
    // An absent job needs only its name; a present one needs both halves of its line.
    if (spec.state === 'absent') return;
    if (spec.schedule === undefined)
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'a cron job needs a schedule' });
    if (spec.command === undefined)
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'a cron job needs a command' });
  });

export type CronSpec = z.infer<typeof cronSchema>;
