// Which snapshots retention deletes. Pure. Manual snapshots and pinned ones never expire.
// Automatic snapshots (pre-apply, scheduled, pre-restore) are grouped: a pre-apply or pre-restore
// snapshot shares its group with every snapshot of the same apply run (its trigger), so a run's
// snapshots are kept or dropped together. Kept: the newest `maxSnapshots` groups (0 = no bound),
// plus, like `restic forget --keep-daily/--keep-weekly`, the newest group of each of the last
// N days / ISO weeks that have one.
import type { SnapshotKind } from './snapshot-types.js';

export interface RetentionPolicy {
  maxSnapshots: number;
  keepDaily: number;
  keepWeekly: number;
}

export interface RetentionRow {
  id: string;
  timeMs: number;
  kind: SnapshotKind;
  trigger: string;
  pinned: boolean;
}

function groupKey(r: RetentionRow): string {
  if ((r.kind === 'pre-apply' || r.kind === 'pre-restore') && r.trigger && r.trigger !== 'cli') {
    return `run:${r.trigger}`;
  }
  return `id:${r.id}`;
}

function dayKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** ISO-8601 week ("2026-W48"), UTC. */
export function weekKey(ms: number): string {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3));
  const firstThursday = new Date(Date.UTC(thursday.getUTCFullYear(), 0, 4));
  const week =
    1 +
    Math.round(
      ((thursday.getTime() - firstThursday.getTime()) / 86_400_000 -
        3 +
        ((firstThursday.getUTCDay() + 6) % 7)) /
        7,
    );
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export function selectExpired(rows: RetentionRow[], policy: RetentionPolicy): string[] {
  const automatic = rows.filter((r) => !r.pinned && r.kind !== 'manual');
  const groups = new Map<string, { newest: number; ids: string[] }>();
  for (const r of automatic) {
    const k = groupKey(r);
    const g = groups.get(k) ?? { newest: 0, ids: [] };
    g.newest = Math.max(g.newest, r.timeMs);
    g.ids.push(r.id);
    groups.set(k, g);
  }
  const ordered = [...groups.values()].sort((a, b) => b.newest - a.newest);
  const keep = new Set<(typeof ordered)[number]>();
  const bounded = policy.maxSnapshots <= 0 ? ordered : ordered.slice(0, policy.maxSnapshots);
  for (const g of bounded) keep.add(g);
  const bucket = (n: number, key: (ms: number) => string) => {
    if (n <= 0) return;
    const seen = new Set<string>();
    for (const g of ordered) {
      const k = key(g.newest);
      if (seen.has(k)) continue;
      if (seen.size >= n) break;
      seen.add(k);
      keep.add(g);
    }
  };
  bucket(policy.keepDaily, dayKey);
  bucket(policy.keepWeekly, weekKey);
  return ordered.filter((g) => !keep.has(g)).flatMap((g) => g.ids);
}
