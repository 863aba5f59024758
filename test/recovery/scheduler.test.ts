import { describe, expect, it } from 'vitest';
import { createSnapshotScheduler } from '../../src/recovery/scheduler.js';
import type { SnapshotRequest, SnapshotSummary, Snapshotter } from '../../src/recovery/snapshot-types.js';

function fakeSnapshotter(): Snapshotter & { requests: SnapshotRequest[] } {
  const requests: SnapshotRequest[] = [];
  return {
    requests,
    async snapshot(r) {
      requests.push(r);
      return {
        id: `s${requests.length}`,
        time: new Date().toISOString(),
        kind: r.kind,
        description: r.description ?? '',
        trigger: r.trigger ?? '',
        files: 0,
        changed: 0,
        bytes: 0,
        pinned: false,
      } satisfies SnapshotSummary;
    },
    async restorePaths() {
      return { restored: [], removed: [] };
    },
  };
}

const at = (s: string) => new Date(s);

describe('snapshot scheduler', () => {
  it('turns named intervals, durations and cron expressions into cron jobs', () => {
    const s = fakeSnapshotter();
    const base = { snapshotter: s, lastScheduled: () => undefined };
    expect(createSnapshotScheduler({ ...base, interval: 'hourly' }).cron).toBe('0 * * * *');
    expect(createSnapshotScheduler({ ...base, interval: '15m' }).cron).toBe('*/15 * * * *');
    expect(createSnapshotScheduler({ ...base, interval: '30 4 * * 1' }).cron).toBe('30 4 * * 1');
    expect(() => createSnapshotScheduler({ ...base, interval: 'sometimes' })).toThrow(/not a schedule/);
  });

  it('sees a missed run only when a scheduled slot passed since the last scheduled snapshot', () => {
    const s = fakeSnapshotter();
    const hourly = createSnapshotScheduler({
      snapshotter: s,
      interval: 'hourly',
      lastScheduled: () => undefined,
    });
    expect(hourly.missed(at('2026-11-28T10:00:05Z'), at('2026-11-28T10:59:00Z'))).toBe(false);
    expect(hourly.missed(at('2026-11-28T10:00:05Z'), at('2026-11-28T11:00:01Z'))).toBe(true);
    expect(hourly.missed(undefined, at('2026-11-28T11:00:01Z'))).toBe(true);
    const cron = createSnapshotScheduler({
      snapshotter: s,
      interval: '30 4 * * *',
      lastScheduled: () => undefined,
    });
    expect(cron.missed(at('2026-11-28T04:30:00Z'), at('2026-11-29T04:29:00Z'))).toBe(false);
    expect(cron.missed(at('2026-11-28T04:30:00Z'), at('2026-11-30T09:00:00Z'))).toBe(true);
  });

  it('catches up exactly one missed run at start, however many were missed', async () => {
    const s = fakeSnapshotter();
    const sched = createSnapshotScheduler({
      snapshotter: s,
      interval: 'hourly',
      lastScheduled: () => new Date(Date.now() - 5 * 3_600_000),
    });
    const taken = await sched.start();
    await sched.stop();
    expect(taken?.id).toBe('s1');
    expect(s.requests).toEqual([
      { kind: 'scheduled', description: 'scheduled (caught up at start)', trigger: '0 * * * *' },
    ]);
  });

  it('takes nothing at start when the last scheduled snapshot is recent, and nothing when disabled', async () => {
    const s = fakeSnapshotter();
    const recent = createSnapshotScheduler({
      snapshotter: s,
      interval: 'daily',
      lastScheduled: () => new Date(),
    });
    expect(await recent.start()).toBeUndefined();
    await recent.stop();
    const off = createSnapshotScheduler({
      snapshotter: s,
      interval: 'hourly',
      lastScheduled: () => undefined,
      enabled: false,
    });
    expect(off.enabled).toBe(false);
    expect(await off.start()).toBeUndefined();
    expect(s.requests).toEqual([]);
  });

  it('runs the job on its cron schedule', async () => {
    const s = fakeSnapshotter();
    const sched = createSnapshotScheduler({
      snapshotter: s,
      interval: '1s',
      lastScheduled: () => new Date(),
    });
    await sched.start();
    await new Promise((r) => setTimeout(r, 2300));
    await sched.stop();
    expect(s.requests.length).toBeGreaterThanOrEqual(1);
    expect(s.requests.every((r) => r.kind === 'scheduled' && r.trigger === '* * * * * *')).toBe(true);
  });
});
