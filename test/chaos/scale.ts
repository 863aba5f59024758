// How big a chaos run is and where its counts go. CI runs the reduced suite (a few kills, a few
// hundred fuzz cases); `bench/chaos/run` sets CHAOS_SCALE=full (100 kills, 10 000 fuzz cases each).
// Counts are printed and, with CHAOS_REPORT=FILE, appended there as JSON lines for the README.
import fs from 'node:fs';

export const FULL = process.env.CHAOS_SCALE === 'full';

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  const n = v === undefined ? Number.NaN : Number(v);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

/**
 * The run's seed: CHAOS_SEED; else, in CI, a fixed one, so a landing is never decided by which cases
 * the clock picked (the full run, `bench/chaos/run`, explores new seeds); else one from the clock.
 * Always printed so a failure can be replayed.
 */
export const CI_SEED = 20_261_128;
export const SEED = envInt('CHAOS_SEED', process.env.CI ? CI_SEED : Date.now() % 2_147_483_647);

export const KILLS = envInt('CHAOS_KILLS', FULL ? 100 : 3);
export const FUZZ = envInt('CHAOS_FUZZ', FULL ? 10_000 : 200);

export interface ChaosCount {
  suite: string;
  tried: number;
  survived: number;
  /** Cases that were not run and why (e.g. a generated RPC frame that would call apply). */
  skipped?: number;
  notes?: string;
}

export function report(c: ChaosCount): void {
  const line = `chaos ${c.suite}: ${c.survived}/${c.tried} survived${c.skipped ? `, ${c.skipped} skipped` : ''} (seed ${SEED})${c.notes ? ` ${c.notes}` : ''}`;
  process.stdout.write(`${line}\n`);
  const file = process.env.CHAOS_REPORT;
  if (file) fs.appendFileSync(file, `${JSON.stringify({ ...c, seed: SEED })}\n`);
}

/** Failure messages carry the seed and the case, so `CHAOS_SEED=... ` replays exactly that run. */
export function failureList(failures: string[], max = 8): string {
  const shown = failures.slice(0, max).join('\n');
  const more = failures.length > max ? `\n... and ${failures.length - max} more` : '';
  return `${failures.length} failures (replay with CHAOS_SEED=${SEED}):\n${shown}${more}`;
}

/** Per-test time budget: the full run is long by design. */
export function budgetMs(ciMs: number, fullMs: number): number {
  return FULL ? fullMs : ciMs;
}
