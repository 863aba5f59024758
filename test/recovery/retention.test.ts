import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type RetentionRow, selectExpired, weekKey } from '../../src/recovery/retention.js';
import { type Sandbox, sandbox } from './fixtures.js';

let sb: Sandbox;
afterEach(() => sb?.cleanup());

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 2, 12); // a Monday

function row(
  id: string,
  hoursAgo: number,
  kind: RetentionRow['kind'] = 'scheduled',
  trigger = '',
): RetentionRow {
  return { id, timeMs: T0 - hoursAgo * H, kind, trigger, pinned: kind === 'manual' };
}

describe('retention', () => {
  it('keeps the newest max_snapshots automatic snapshots and every manual one', () => {
    const rows = [row('m1', 100, 'manual'), row('s1', 5), row('s2', 4), row('s3', 3), row('s4', 2)];
    expect(selectExpired(rows, { maxSnapshots: 2, keepDaily: 0, keepWeekly: 0 }).sort()).toEqual([
      's1',
      's2',
    ]);
  });

  it('keeps or drops a pre-apply snapshot together with the rest of its apply run', () => {
    const rows = [
      row('a-pre', 10, 'pre-apply', 'run-1'),
      row('a-rollback', 9, 'pre-restore', 'run-1'),
      row('b-pre', 5, 'pre-apply', 'run-2'),
      row('c-pre', 1, 'pre-apply', 'run-3'),
    ];
    expect(selectExpired(rows, { maxSnapshots: 2, keepDaily: 0, keepWeekly: 0 }).sort()).toEqual([
      'a-pre',
      'a-rollback',
    ]);
    expect(selectExpired(rows, { maxSnapshots: 3, keepDaily: 0, keepWeekly: 0 })).toEqual([]);
  });

  it('keeps the newest snapshot of each of the last N days and weeks beyond max_snapshots', () => {
    const rows = [
      row('d0-new', 1),
      row('d0-old', 2),
      row('d1', 25),
      row('d2-new', 49),
      row('d2-old', 50),
      row('w1', 24 * 8),
      row('w2', 24 * 15),
    ];
    // Days: today, yesterday, the day before. Weeks (ISO): this one, the last (d1), the one before (w1).
    const expired = selectExpired(rows, { maxSnapshots: 1, keepDaily: 3, keepWeekly: 3 });
    expect(expired.sort()).toEqual(['d0-old', 'd2-old', 'w2']);
    expect(selectExpired(rows, { maxSnapshots: 1, keepDaily: 3, keepWeekly: 4 }).sort()).toEqual([
      'd0-old',
      'd2-old',
    ]);
    expect(selectExpired(rows, { maxSnapshots: 1, keepDaily: 0, keepWeekly: 0 }).length).toBe(6);
  });

  it('names ISO weeks across a year boundary', () => {
    expect(weekKey(Date.UTC(2021, 0, 1))).toBe('2020-W53');
    expect(weekKey(Date.UTC(2026, 10, 2))).toBe('2026-W45');
  });

  it('expires snapshots after each automatic one and collects exactly their unshared objects', async () => {
    sb = sandbox();
    sb.write('/etc/shared', 'same in every snapshot');
    const store = sb.open({ retention: { maxSnapshots: 2 } });
    sb.write('/etc/v', 'manual version');
    const manual = await store.snapshot({ kind: 'manual', description: 'keep me' });
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) {
      sb.write('/etc/v', `version ${i}`);
      ids.push((await store.snapshot({ kind: 'scheduled' })).id);
    }
    expect(store.list().map((s) => s.id)).toEqual([manual.id, ids[2], ids[3]]);
    const report = await store.verify();
    expect(report.problems).toEqual([]);
    expect(report.unreferenced).toBe(0);
    // Contents of versions 1 and 2 are gone; the manual one's and the shared file's remain.
    const { createHash } = await import('node:crypto');
    const h = (s: string) => createHash('sha256').update(s).digest('hex');
    const objects = store.objectHashes();
    expect(objects).not.toContain(h('version 1'));
    expect(objects).not.toContain(h('version 2'));
    for (const kept of ['version 3', 'version 4', 'manual version', 'same in every snapshot']) {
      expect(objects).toContain(h(kept));
    }
    const del = await store.delete(manual.id);
    expect(del.objectsRemoved).toBeGreaterThan(0);
    expect(store.objectHashes()).not.toContain(h('manual version'));
    expect((await store.verify()).problems).toEqual([]);
    store.close();
  });

  it('refuses automatic snapshots when recovery is disabled but still takes manual ones', async () => {
    sb = sandbox();
    const store = sb.open({ enabled: false });
    expect(store.enabled).toBe(false);
    await expect(store.snapshot({ kind: 'pre-apply' })).rejects.toThrow(/disabled/);
    await expect(store.snapshot({ kind: 'scheduled' })).rejects.toThrow(/disabled/);
    expect((await store.snapshot({ kind: 'manual' })).pinned).toBe(true);
    store.close();
  });
});

describe('snapshot diff', () => {
  it('shows text diffs, metadata changes, package and unit changes', async () => {
    sb = sandbox();
    const status = (pkgs: [string, string][]) =>
      pkgs
        .map(([n, v]) => `Package: ${n}\nStatus: install ok installed\nVersion: ${v}\nArchitecture: amd64\n`)
        .join('\n');
    sb.write(
      '/var/lib/dpkg/status',
      status([
        ['nginx', '1.22.1'],
        ['openssl', '3.0.1'],
      ]),
    );
    fs.mkdirSync(sb.r('/var/lib/dpkg/info'), { recursive: true });
    sb.write('/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
    sb.write('/etc/nginx.conf', 'worker_processes 1;\nuser www;\n');
    sb.write('/etc/mode', 'm', 0o644);
    fs.mkdirSync(sb.r('/etc/systemd/system/multi-user.target.wants'), { recursive: true });
    fs.symlinkSync(
      '/lib/systemd/system/nginx.service',
      sb.r('/etc/systemd/system/multi-user.target.wants/nginx.service'),
    );
    const store = sb.open();
    const a = await store.snapshot({ kind: 'manual' });
    sb.write(
      '/var/lib/dpkg/status',
      status([
        ['openssl', '3.0.2'],
        ['curl', '7.88'],
      ]),
    );
    sb.write('/etc/nginx.conf', 'worker_processes 4;\nuser www;\n');
    fs.chmodSync(sb.r('/etc/mode'), 0o600);
    fs.chownSync(sb.r('/etc/mode'), 1234, 0);
    fs.rmSync(sb.r('/etc/systemd/system/multi-user.target.wants/nginx.service'));
    const live = await store.diff(a.id);
    const b = await store.snapshot({ kind: 'manual' });
    const d = await store.diff(a.id, b.id);
    for (const x of [live, d]) {
      expect(x.packages.map((p) => p.text)).toEqual([
        'curl added 7.88',
        'nginx 1.22.1 -> removed',
        'openssl 3.0.1 -> 3.0.2',
      ]);
      expect(x.units.disabled).toEqual(['multi-user.target.wants/nginx.service']);
      const conf = x.files.find((f) => f.path === '/etc/nginx.conf');
      expect(conf?.details).toEqual(['content']);
      expect(conf?.diff).toContain('-worker_processes 1;\n+worker_processes 4;');
      expect(x.files.find((f) => f.path === '/etc/mode')?.details).toEqual([
        'mode 0644 -> 0600',
        'owner root -> 1234',
      ]);
    }
    store.close();
  });
});

describe('garbage collection of packs', () => {
  it('unlinks packs whose objects all expired and rewrites packs that are mostly garbage', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    sb = sandbox();
    const store = sb.open({ retention: { maxSnapshots: 1 } });
    const packs = () => fs.readdirSync(path.join(sb.storeDir, 'packs')).sort();
    for (let i = 0; i < 20; i++) sb.write(`/etc/f${i}`, `first generation ${i} `.repeat(200));
    await store.snapshot({ kind: 'scheduled' });
    const firstPacks = packs();
    expect(firstPacks).toHaveLength(1);
    // Change 19 of 20 files: the first pack is now mostly garbage once its snapshot expires.
    for (let i = 1; i < 20; i++) sb.write(`/etc/f${i}`, `second generation ${i} `.repeat(200));
    const second = await store.snapshot({ kind: 'scheduled' });
    expect(store.list().map((s) => s.id)).toEqual([second.id]);
    expect(packs()).not.toContain(firstPacks[0]);
    const report = await store.verify();
    expect(report.problems).toEqual([]);
    expect(report.unreferenced).toBe(0);
    // The surviving object of the first generation (f0) was moved, not lost.
    sb.write('/etc/f0', 'overwritten');
    await store.restore(second.id);
    expect(fs.readFileSync(sb.r('/etc/f0'), 'utf8')).toBe('first generation 0 '.repeat(200));
    store.close();
  });
});
