// Durations ("15m", "1h30m", "1d") and schedules ("hourly", "15m", cron) as config values.
// Pure parsing: this module never starts a timer. Cron expressions are checked with node-cron's
// own validator, loaded only when a value looks like cron, so plain durations stay cheap at start-up.
import { createRequire } from 'node:module';

const UNIT_MS = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
} as const;
type Unit = keyof typeof UNIT_MS;

// Units must appear largest first, each at most once ("1h30m", not "30m1h"): one spelling per value.
const UNIT_ORDER: Unit[] = ['w', 'd', 'h', 'm', 's', 'ms'];
const PART = /(\d+)(ms|w|d|h|m|s)/y;

/** Milliseconds of a duration such as "30s", "15m", "2h", "1h30m", "1d", "500ms". Throws a plain Error. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '') throw new Error('empty duration');
  let total = 0;
  let pos = 0;
  let lastUnit = -1;
  while (pos < s.length) {
    PART.lastIndex = pos;
    const m = PART.exec(s);
    if (!m) {
      throw new Error(`"${text}" is not a duration (use e.g. "30s", "15m", "2h", "1h30m", "1d")`);
    }
    const unit = m[2] as Unit;
    const rank = UNIT_ORDER.indexOf(unit);
    if (rank <= lastUnit) throw new Error(`"${text}": units must go from largest to smallest, each once`);
    lastUnit = rank;
    total += Number(m[1]) * UNIT_MS[unit];
    pos = PART.lastIndex;
  }
  if (total <= 0) throw new Error(`"${text}": a duration must be longer than zero`);
  return total;
}

export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

export interface Schedule {
  /** A 5-field (minute) or 6-field (second) cron expression node-cron accepts. */
  cron: string;
  /** The interval in ms when the schedule came from a named interval or a duration. */
  everyMs?: number;
}

const NAMED: Record<string, Schedule> = {
  hourly: { cron: '0 * * * *', everyMs: UNIT_MS.h },
  daily: { cron: '0 0 * * *', everyMs: UNIT_MS.d },
  weekly: { cron: '0 0 * * 0', everyMs: UNIT_MS.w },
  monthly: { cron: '0 0 1 * *' },
};

let cronValidate: ((expr: string) => { valid: boolean; errors?: { message: string }[] }) | undefined;

function validateCron(expr: string): string | undefined {
  if (!cronValidate) {
    // Synchronous on purpose (parseSchedule is sync); node-cron ships a CommonJS build.
    const req = createRequire(import.meta.url);
    const mod = req('node-cron') as {
      validateDetailed: (e: string) => { valid: boolean; errors?: { message: string }[] };
    };
    cronValidate = mod.validateDetailed;
  }
  const result = cronValidate(expr);
  if (result.valid) return undefined;
  return result.errors?.map((e) => e.message).join('; ') || 'invalid cron expression';
}

/** A duration as cron, when cron can express it as an even interval (it divides a minute/hour/day). */
function durationToCron(text: string, ms: number): Schedule {
  const fail = () =>
    new Error(
      `"${text}" cannot run at even intervals under cron; use a duration that divides a minute, ` +
        'an hour or a day (e.g. "15m", "2h"), "1d", "1w", or a cron expression',
    );
  if (ms % UNIT_MS.s !== 0) throw fail();
  const sec = ms / UNIT_MS.s;
  if (sec < 60) {
    if (60 % sec !== 0) throw fail();
    return { cron: sec === 1 ? '* * * * * *' : `*/${sec} * * * * *`, everyMs: ms };
  }
  if (ms % UNIT_MS.m !== 0) throw fail();
  const min = ms / UNIT_MS.m;
  if (min < 60) {
    if (60 % min !== 0) throw fail();
    return { cron: min === 1 ? '* * * * *' : `*/${min} * * * *`, everyMs: ms };
  }
  if (ms % UNIT_MS.h !== 0) throw fail();
  const hours = ms / UNIT_MS.h;
  if (hours < 24) {
    if (24 % hours !== 0) throw fail();
    return { cron: hours === 1 ? '0 * * * *' : `0 */${hours} * * *`, everyMs: ms };
  }
  if (ms === UNIT_MS.d) return { cron: '0 0 * * *', everyMs: ms };
  if (ms === UNIT_MS.w) return { cron: '0 0 * * 0', everyMs: ms };
  throw fail();
}

/**
 * A schedule: "hourly" | "daily" | "weekly" | "monthly", a duration ("15m", "2h"), or a 5/6-field cron
 * expression (also "@daily" and friends). Throws a plain Error saying what is wrong.
 */
export function parseSchedule(text: string): Schedule {
  const s = text.trim();
  const named = NAMED[s.toLowerCase()];
  if (named) return { ...named };
  if (/^\d/.test(s) && !/\s/.test(s)) return durationToCron(s, parseDuration(s));
  const fields = s.split(/\s+/).length;
  if (s.startsWith('@') || fields === 5 || fields === 6) {
    const problem = validateCron(s);
    if (problem) throw new Error(`"${text}" is not a valid cron expression: ${problem}`);
    return { cron: s };
  }
  throw new Error(
    `"${text}" is not a schedule (use "hourly", "daily", "weekly", a duration like "15m", or a 5/6-field cron expression)`,
  );
}
