// kill -9 at many points of a snapshot and of a restore, with real child processes running the
// built store: the store must stay valid and the tree must never hold a half-written file.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from './fixtures.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const child = path.join(repo, 'test/recovery/crash-child.mjs');

let sb: Sandbox;
afterEach(() => sb?.cleanup());

beforeAll(() => {
  if (!fs.existsSync(path.join(repo, 'dist/src/recovery/snapshot-store.js'))) {
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repo, stdio: 'ignore' });
    } catch {
      // tsc emits despite type errors elsewhere; the existence check below is what matters.
    }
  }
  expect(fs.existsSync(path.join(repo, 'dist/src/recovery/snapshot-store.js'))).toBe(true);
}, 300_000);

/** Start the child, wait until it has opened the store, let it run `ms`, then SIGKILL it. */
function runAndKill(args: string[], ms: number): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!timer && out.includes('ready')) timer = setTimeout(() => p.kill('SIGKILL'), ms);
    });
    p.on('close', () => {
      if (timer) clearTimeout(timer);
      resolve(out);
    });
  });
}

function fill(sb: Sandbox, n: number, version: string): void {
  for (let i = 0; i < n; i++) sb.write(`/etc/d${i % 20}/f${i}`, `${version} ${i} `.repeat(40 + (i % 50)));
}

function tempsLeft(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    for (const d of fs.readdirSync(p, { withFileTypes: true })) {
      if (d.name.startsWith('.aios-restore-')) out.push(path.join(p, d.name));
      if (d.isDirectory()) walk(path.join(p, d.name));
    }
  };
  walk(dir);
  return out;
}

describe('kill -9', () => {
  it('during snapshots at many points leaves a valid store whose snapshots all restore', async () => {
    sb = sandbox();
    fill(sb, 800, 'v0');
    const delays = [0, 5, 15, 40, 80, 150, 250, 400, 600, 900, 1300, 2000];
    let finished = 0;
    for (const [i, ms] of delays.entries()) {
      for (let k = 0; k < 30; k++) sb.write(`/etc/d${k % 20}/f${(i * 37 + k) % 800}`, `changed ${i} ${k}`);
      const out = await runAndKill(['snapshot-loop', sb.storeDir, sb.root], ms);
      finished += out.split('\n').filter((l) => l.startsWith('snapshot ')).length;
      const store = sb.open();
      const report = await store.verify();
      expect(report.problems).toEqual([]);
      for (const s of store.list()) {
        const plan = await store.restore(s.id, { dryRun: true });
        expect(plan.snapshot).toBe(s.id);
      }
      store.close();
    }
    // Some kills landed mid-snapshot, some between snapshots: both kinds were exercised.
    expect(finished).toBeGreaterThan(0);
    const store = sb.open();
    const last = await store.snapshot({ kind: 'manual' });
    const count = (p: string): number =>
      1 +
      (fs.lstatSync(p).isDirectory() ? fs.readdirSync(p).reduce((n, c) => n + count(path.join(p, c)), 0) : 0);
    expect(last.files).toBe(count(sb.r('/etc')));
    const gc = await store.gc();
    expect(gc.objectsRemoved).toBe(0); // the stale-lock recovery already swept partial work
    expect(fs.readdirSync(path.join(sb.storeDir, 'tmp'))).toEqual([]);
    store.close();
  }, 120_000);

  it('during restores at many points never leaves a half-written file, and resume finishes the job', async () => {
    sb = sandbox();
    fill(sb, 800, 'old');
    const store = sb.open();
    const target = await store.snapshot({ kind: 'manual' });
    store.close();
    const expected = Object.fromEntries(
      Array.from({ length: 800 }, (_, i) => [`f${i}`, `old ${i} `.repeat(40 + (i % 50))]),
    );
    for (const ms of [0, 20, 60, 120, 200, 320, 480]) {
      fill(sb, 800, 'new');
      sb.write('/etc/extra/added', 'added after the snapshot');
      await runAndKill(['restore', sb.storeDir, sb.root, target.id], ms);
      for (let i = 0; i < 800; i++) {
        const text = fs.readFileSync(sb.r(`/etc/d${i % 20}/f${i}`), 'utf8');
        // Atomic replace: each file is wholly old or wholly new, never a mix or a truncation.
        expect([expected[`f${i}`], `new ${i} `.repeat(40 + (i % 50))]).toContain(text);
      }
      const s = sb.open();
      if (s.pendingRestore()) {
        const r = await s.resume('finish');
        expect(r?.resumed).toBe(target.id);
      } else {
        await s.restore(target.id);
      }
      expect(s.pendingRestore()).toBeUndefined();
      for (let i = 0; i < 800; i += 7) {
        expect(fs.readFileSync(sb.r(`/etc/d${i % 20}/f${i}`), 'utf8')).toBe(expected[`f${i}`]);
      }
      expect(fs.existsSync(sb.r('/etc/extra'))).toBe(false);
      expect(tempsLeft(sb.root)).toEqual([]);
      expect((await s.verify()).problems).toEqual([]);
      s.close();
    }
  }, 180_000);

  it('during retention, sweeps and pack rewrites leaves a valid store', async () => {
    sb = sandbox();
    fill(sb, 800, 'v0');
    let finished = 0;
    for (const ms of [50, 150, 300, 500, 800, 1200, 1700]) {
      const out = await runAndKill(['churn', sb.storeDir, sb.root], ms);
      finished += out.split('\n').filter((l) => l.startsWith('snapshot ')).length;
      const store = sb.open({ retention: { maxSnapshots: 1 } });
      const report = await store.verify();
      expect(report.problems).toEqual([]);
      for (const s of store.list()) expect((await store.restore(s.id, { dryRun: true })).snapshot).toBe(s.id);
      await store.gc();
      expect((await store.verify()).unreferenced).toBe(0);
      store.close();
    }
    expect(finished).toBeGreaterThan(0);
  }, 120_000);

  it('rolls an interrupted restore back to the pre-restore snapshot on request', async () => {
    sb = sandbox();
    fill(sb, 800, 'old');
    const store = sb.open();
    const target = await store.snapshot({ kind: 'manual' });
    store.close();
    fill(sb, 800, 'new');
    let pending = false;
    for (const ms of [150, 250, 350, 450, 600]) {
      await runAndKill(['restore', sb.storeDir, sb.root, target.id], ms);
      const s = sb.open();
      pending = s.pendingRestore() !== undefined;
      if (pending) {
        const r = await s.resume('rollback');
        expect(r?.resumed).toBe(target.id);
        expect(s.pendingRestore()).toBeUndefined();
        expect(fs.readFileSync(sb.r('/etc/d3/f3'), 'utf8')).toBe(`new 3 `.repeat(43));
        s.close();
        break;
      }
      await s.restore(s.latest('pre-restore')?.id ?? target.id);
      fill(sb, 800, 'new');
      s.close();
    }
    expect(pending).toBe(true);
  }, 120_000);
});
