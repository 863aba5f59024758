// The `cron` kind: one file /etc/cron.d/<name> holding environment lines and one job line,
// generated deterministically from the spec (mode 0644, owned by root, as cron requires). The
// schedule is checked with node-cron when the spec loads, so a typo never reaches the host.
import { validateDetailed } from 'node-cron';
import { z } from 'zod';
import type { Change, ResourceId } from '../src/types.js';
import { commonFields, presenceField } from './common-fields.js';
import type { Controller, ObserveContext } from './controller.js';
import { type DesiredFile, diffFile, type FileObserved, observeFile, planFile } from './file-state.js';

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
        (env) => !envLines(env).some((l) => /[\r\n]/.test(l)),
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

function envLines(env: Record<string, string> | string[] | undefined): string[] {
  if (env === undefined) return [];
  if (Array.isArray(env)) return env;
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

export function cronPath(name: string): string {
  return `/etc/cron.d/${name}`;
}

/** The whole file, byte for byte the same for the same spec. Pure. */
export function cronFileContent(spec: CronSpec): string {
  const lines = [`# Managed by aios (cron:${spec.name}); local edits are overwritten.`];
  lines.push(...envLines(spec.environment));
  lines.push(`${spec.schedule ?? ''} ${spec.user} ${spec.command ?? ''}`);
  return `${lines.join('\n')}\n`;
}

function desiredOf(spec: CronSpec): DesiredFile {
  // Numeric ids: a bare --root without /etc/passwd still resolves them, and cron wants root:root.
  return spec.state === 'absent'
    ? { path: cronPath(spec.name), state: 'absent' }
    : {
        path: cronPath(spec.name),
        state: 'present',
        content: cronFileContent(spec),
        mode: '0644',
        owner: '0',
        group: '0',
      };
}

export const cronController: Controller<CronSpec, FileObserved> = {
  kind: 'cron',
  schema: cronSchema,
  name: (spec) => spec.name,
  observe: (spec: CronSpec, ctx: ObserveContext) => observeFile(desiredOf(spec), ctx.root),
  diff: (spec: CronSpec, observed: FileObserved): Change[] => diffFile(desiredOf(spec), observed),
  plan: (changes, spec) => planFile(desiredOf(spec), changes, `cron:${spec.name}`),
  implicitRequires(spec: CronSpec): ResourceId[] {
    const ids = ['directory:/etc/cron.d', 'package:cron'];
    if (spec.user !== 'root') ids.push(`user:${spec.user}`);
    return ids;
  },
  watchPaths: (spec) => [cronPath(spec.name)],
};
