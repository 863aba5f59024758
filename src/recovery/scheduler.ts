// Scheduled snapshots: `[recovery] snapshot_interval` ("hourly", "daily", "15m", a cron expression)
// as a node-cron job the daemon starts and stops. A run missed while the machine was off (or the
// daemon down) is caught up ONCE at start, not once per missed slot. `enabled = false` makes
// start() a no-op that says so. Never prints; reports through callbacks.
import { createTask, type ScheduledTask } from 'node-cron';
import { parseSchedule } from '../config/duration.js';
import type { SnapshotSummary, Snapshotter } from './snapshot-types.js';

export interface SnapshotSchedulerOptions {
  interval: string;
  snapshotter: Snapshotter;
  /** Time of the newest scheduled snapshot (from the store's list), for catch-up. */
  lastScheduled: () => Date | undefined;
  enabled?: boolean;
  timezone?: string;
  now?: () => Date;
  onSnapshot?: (s: SnapshotSummary, reason: 'scheduled' | 'catch-up') => void;
  onError?: (e: unknown) => void;
}

export interface SnapshotScheduler {
  readonly cron: string;
  readonly enabled: boolean;
  /** Start the cron job; takes one catch-up snapshot first when a run was missed. Returns it. */
  start(): Promise<SnapshotSummary | undefined>;
  stop(): Promise<void>;
  /** True when a scheduled run fell in (last, now]. */
  missed(last: Date | undefined, now: Date): boolean;
}

/** Minutes scanned for a missed cron slot; a longer gap surely missed one. */
const SCAN_LIMIT_MINUTES = 60 * 24 * 62;

export function createSnapshotScheduler(opts: SnapshotSchedulerOptions): SnapshotScheduler {
  const schedule = parseSchedule(opts.interval);
  const enabled = opts.enabled ?? true;
  const now = opts.now ?? (() => new Date());
  let busy = false;
  let task: ScheduledTask | undefined;
  const taskOptions = opts.timezone ? { timezone: opts.timezone } : {};

  const take = async (reason: 'scheduled' | 'catch-up'): Promise<SnapshotSummary | undefined> => {
    if (busy) return undefined; // a slow snapshot never stacks up behind itself
    busy = true;
    try {
      const s = await opts.snapshotter.snapshot({
        kind: 'scheduled',
        description: reason === 'catch-up' ? 'scheduled (caught up at start)' : 'scheduled',
        trigger: schedule.cron,
      });
      opts.onSnapshot?.(s, reason);
      return s;
    } catch (e) {
      opts.onError?.(e);
      return undefined;
    } finally {
      busy = false;
    }
  };

  const missed = (last: Date | undefined, at: Date): boolean => {
    if (!last) return true;
    if (schedule.everyMs !== undefined) {
      // Named intervals and durations fire on aligned slots: one passed if a slot boundary did.
      return Math.floor(at.getTime() / schedule.everyMs) > Math.floor(last.getTime() / schedule.everyMs);
    }
    const probe = createTask(schedule.cron, () => undefined, taskOptions);
    try {
      const t = new Date(last.getTime());
      t.setUTCSeconds(0, 0);
      for (let i = 0; i < SCAN_LIMIT_MINUTES; i++) {
        t.setTime(t.getTime() + 60_000);
        if (t.getTime() > at.getTime()) return false;
        if (probe.match(t)) return true;
      }
      return true;
    } finally {
      void probe.destroy();
    }
  };

  return {
    cron: schedule.cron,
    enabled,
    missed,
    async start() {
      if (!enabled || task) return undefined;
      task = createTask(schedule.cron, () => take('scheduled'), { ...taskOptions, noOverlap: true });
      await task.start();
      if (missed(opts.lastScheduled(), now())) return take('catch-up');
      return undefined;
    },
    async stop() {
      if (!task) return;
      await task.stop();
      await task.destroy();
      task = undefined;
    },
  };
}
