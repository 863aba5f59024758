import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makePlan } from '../../src/reconcile/plan.js';
import { PlanDriftError, reconcile } from '../../src/reconcile/reconcile.js';
import type { RunReport } from '../../src/reconcile/run-types.js';
import { file, gateFrom, service, setup } from './fakes.js';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-loop-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const statusOf = (r: RunReport) => Object.fromEntries(r.resources.map((o) => [o.id, o.status]));

describe('reconcile', () => {
  it('applies in dependency order, verifies, and a second run changes nothing and takes no snapshot', async () => {
    const rs = [file('/b', 'B', { requires: ['file:/a'] }), file('/a', 'A'), file('/c', 'C')];
    const { host, graph, deps, snapshots } = setup(rs, { parallelKinds: new Set() });
    const first = await reconcile(graph, deps);
    expect(first.exitCode).toBe(0);
    expect(first.counts).toMatchObject({ changed: 3, unchanged: 0, failed: 0 });
    expect(host.executed.map((a) => a.args.path)).toEqual(['/a', '/b', '/c']);
    expect(Object.fromEntries(host.files)).toEqual({ '/a': 'A', '/b': 'B', '/c': 'C' });
    expect(snapshots.taken).toHaveLength(1);
    expect(snapshots.taken[0]).toMatchObject({ kind: 'pre-apply', extraPaths: ['/a', '/b', '/c'] });
    expect(first.snapshot).toBe('snap-1');

    host.executed = [];
    const second = await reconcile(graph, deps);
    expect(second.counts).toMatchObject({ changed: 0, unchanged: 3 });
    expect(host.executed).toEqual([]);
    expect(snapshots.taken).toHaveLength(1);
    expect(second.snapshot).toBeUndefined();
    expect(second.plan.hash).not.toBe(first.plan.hash);
  });

  it('applies parallel-safe kinds in batches yet reaches the same state', async () => {
    const rs = Array.from({ length: 40 }, (_, i) => file(`/f${i}`, `v${i}`));
    const { host, graph, deps } = setup(rs, { concurrency: 8 });
    const r = await reconcile(graph, deps);
    expect(r.counts.changed).toBe(40);
    expect(host.files.size).toBe(40);
    expect(r.resources.map((o) => o.id)).toEqual(rs.map((x) => x.id));
  });

  it('verifies a parallel batch once its writes are done: a write that did not take fails alone', async () => {
    const rs = Array.from({ length: 12 }, (_, i) => file(`/f${i}`, `v${i}`));
    const events: string[] = [];
    const { host, graph, deps } = setup(rs, {
      concurrency: 4,
      onProgress: (e) => {
        if (e.type === 'resource') events.push(`${e.outcome.id}=${e.outcome.status}`);
      },
    });
    host.lying.add('/f5');
    const r = await reconcile(graph, deps);
    expect(r.counts).toMatchObject({ changed: 11, failed: 1 });
    expect(r.resources[5]).toMatchObject({ id: 'file:/f5', status: 'failed' });
    expect(r.resources[5]?.error).toMatch(/did not converge after apply: state, content/);
    // Verdicts come in plan order whatever order the writes finished in.
    expect(events).toEqual(rs.map((x, i) => `${x.id}=${i === 5 ? 'failed' : 'changed'}`));
    expect(r.timings.verify).toBeGreaterThanOrEqual(0);
    expect(r.resources.every((o) => o.status !== 'changed' || o.durationMs >= 0)).toBe(true);
  });

  it('reports a large batch as it goes, not only after its last write', async () => {
    const rs = Array.from({ length: 600 }, (_, i) => file(`/many/f${i}`, `v${i}`));
    let writesAtFirstVerdict: number | undefined;
    const { host, graph, deps } = setup(rs, {
      onProgress: (e) => {
        if (e.type === 'resource' && writesAtFirstVerdict === undefined)
          writesAtFirstVerdict = host.executed.length;
      },
    });
    const r = await reconcile(graph, deps);
    expect(r.counts.changed).toBe(600);
    expect(host.files.size).toBe(600);
    expect(writesAtFirstVerdict).toBeLessThan(600);
    expect(r.resources.map((o) => o.id)).toEqual(rs.map((x) => x.id));
  });

  it('skips the dependents of a resource whose verify failed', async () => {
    const rs = [file('/liar', 'x'), file('/below', 'b', { requires: ['file:/liar'] }), file('/other', 'o')];
    const { host, graph, deps } = setup(rs);
    host.lying.add('/liar');
    const r = await reconcile(graph, deps);
    expect(statusOf(r)).toEqual({
      'file:/liar': 'failed',
      'file:/below': 'skipped',
      'file:/other': 'changed',
    });
    expect(host.files.has('/below')).toBe(false);
    expect(host.files.get('/other')).toBe('o');
  });

  it('skips the dependents of a failing resource but applies independent ones', async () => {
    const rs = [
      file('/bad', 'x'),
      file('/child', 'c', { requires: ['file:/bad'] }),
      file('/grand', 'g', { requires: ['file:/child'] }),
      file('/ok', 'o'),
    ];
    const { host, graph, deps } = setup(rs);
    host.broken.add('/bad');
    const r = await reconcile(graph, deps);
    expect(statusOf(r)).toEqual({
      'file:/bad': 'failed',
      'file:/child': 'skipped',
      'file:/grand': 'skipped',
      'file:/ok': 'changed',
    });
    expect(r.resources[0]?.error).toContain('EACCES');
    expect(r.resources[1]?.skippedBecause).toBe('file:/bad');
    expect(r.exitCode).toBe(1);
    expect(host.files.has('/child')).toBe(false);
    expect(host.files.get('/ok')).toBe('o');
  });

  it('skips dependents below a converged resource whose own dependency failed', async () => {
    const rs = [
      file('/bad', 'x'),
      file('/mid', 'm', { requires: ['file:/bad'] }),
      file('/leaf', 'l', { requires: ['file:/mid'] }),
    ];
    const { host, graph, deps } = setup(rs);
    host.files.set('/mid', 'm');
    host.broken.add('/bad');
    const r = await reconcile(graph, deps);
    expect(statusOf(r)).toEqual({ 'file:/bad': 'failed', 'file:/mid': 'unchanged', 'file:/leaf': 'skipped' });
  });

  it('reports a resource whose observe fails and skips its dependents', async () => {
    const rs = [file('/boom', 'x'), file('/after', 'y', { requires: ['file:/boom'] })];
    const { graph, deps } = setup(rs);
    const r = await reconcile(graph, deps);
    expect(statusOf(r)).toEqual({ 'file:/boom': 'failed', 'file:/after': 'skipped' });
    expect(r.resources[0]?.error).toContain('cannot read /boom');
  });

  it('never runs a denied action: the resource is blocked with the rule and the run exits 3', async () => {
    const rs = [
      file('/etc/shadow', 'x'),
      file('/dep', 'd', { requires: ['file:/etc/shadow'] }),
      file('/fine', 'f'),
    ];
    const { host, graph, deps } = setup(rs, { gate: gateFrom({ 'write_file /etc/shadow': 'deny' }) });
    const r = await reconcile(graph, deps);
    expect(statusOf(r)).toEqual({
      'file:/etc/shadow': 'blocked',
      'file:/dep': 'skipped',
      'file:/fine': 'changed',
    });
    expect(r.resources[0]?.rule).toBe('rule:write_file /etc/shadow');
    expect(host.executed.map((a) => a.args.path)).toEqual(['/fine']);
    expect(r.exitCode).toBe(3);
    expect(r.decisions).toContainEqual(
      expect.objectContaining({ verdict: 'deny', resource: 'file:/etc/shadow' }),
    );
  });

  it('asks the confirm callback for confirm decisions and runs only what was approved', async () => {
    const asked: string[] = [];
    const rs = [file('/yes', 'y'), file('/no', 'n')];
    const { host, graph, deps } = setup(rs, {
      gate: gateFrom({ 'write_file /yes': 'confirm', 'write_file /no': 'confirm' }),
      confirm: async (action) => {
        asked.push(String(action.args.path));
        return action.args.path === '/yes';
      },
    });
    const r = await reconcile(graph, deps);
    expect(asked).toEqual(['/yes', '/no']);
    expect(statusOf(r)).toEqual({ 'file:/yes': 'changed', 'file:/no': 'blocked' });
    expect(host.files.has('/no')).toBe(false);
    expect(r.exitCode).toBe(3);
    expect(r.decisions.map((d) => d.confirmed)).toEqual([true, false]);
  });

  it('blocks confirm decisions when no confirm callback is given', async () => {
    const { host, graph, deps } = setup([file('/x', 'x')], {
      gate: gateFrom({ 'write_file /x': 'confirm' }),
    });
    const r = await reconcile(graph, deps);
    expect(r.resources[0]?.status).toBe('blocked');
    expect(host.executed).toEqual([]);
  });

  it('takes no snapshot and changes nothing when every change is blocked', async () => {
    const { graph, deps, snapshots } = setup([file('/x', 'x')], {
      gate: gateFrom({ 'write_file /x': 'deny' }),
    });
    await reconcile(graph, deps);
    expect(snapshots.taken).toEqual([]);
  });

  it('a dry run gates but neither snapshots nor writes, and reports pending changes', async () => {
    const { host, graph, deps, snapshots } = setup([file('/x', 'x'), file('/y', 'y')], {
      gate: gateFrom({ 'write_file /y': 'confirm' }),
      confirm: async () => {
        throw new Error('a dry run must not ask');
      },
    });
    const r = await reconcile(graph, deps, { dryRun: true });
    expect(statusOf(r)).toEqual({ 'file:/x': 'pending', 'file:/y': 'pending' });
    expect(host.executed).toEqual([]);
    expect(snapshots.taken).toEqual([]);
    expect(r.exitCode).toBe(0);
  });

  it('restarts a notified service after its input changed, and not when nothing changed', async () => {
    const rs = [service('web'), file('/etc/web.conf', 'v1', { notify: ['service:web'] })];
    const { host, graph, deps } = setup(rs, { notifyQueueFile: path.join(dataDir, 'notify-queue.json') });
    const r = await reconcile(graph, deps);
    expect(graph.order.map((x) => x.id)).toEqual(['file:/etc/web.conf', 'service:web']);
    expect(host.restarts).toEqual(['web']);
    expect(r.notified).toEqual([{ target: 'service:web', from: ['file:/etc/web.conf'], status: 'done' }]);
    await reconcile(graph, deps);
    expect(host.restarts).toEqual(['web']);
    const saved = JSON.parse(fs.readFileSync(path.join(dataDir, 'notify-queue.json'), 'utf8'));
    expect(saved.pending).toEqual([]);
  });

  it('keeps the notify queue on disk across a crash and restarts on the next run', async () => {
    const queueFile = path.join(dataDir, 'notify-queue.json');
    const rs = [service('web'), file('/etc/web.conf', 'v1', { notify: ['service:web'] })];
    const crashing = setup(rs, {
      notifyQueueFile: queueFile,
      onProgress: (e) => {
        if (e.type === 'resource' && e.outcome.status === 'changed') throw new Error('simulated crash');
      },
    });
    await expect(reconcile(crashing.graph, crashing.deps)).rejects.toThrow('simulated crash');
    expect(crashing.host.files.get('/etc/web.conf')).toBe('v1');
    expect(crashing.host.restarts).toEqual([]);
    const pending = JSON.parse(fs.readFileSync(queueFile, 'utf8')).pending;
    expect(pending).toMatchObject([{ target: 'service:web', from: ['file:/etc/web.conf'] }]);

    // A new process: same specs, the file is already converged, the restart is still owed.
    const next = setup(rs, { notifyQueueFile: queueFile });
    next.host.files = crashing.host.files;
    const r = await reconcile(next.graph, next.deps);
    expect(r.counts.changed).toBe(0);
    expect(next.host.restarts).toEqual(['web']);
    expect(JSON.parse(fs.readFileSync(queueFile, 'utf8')).pending).toEqual([]);
  });

  it('still restarts, and warns, when the notify queue file cannot be written', async () => {
    fs.writeFileSync(path.join(dataDir, 'not-a-dir'), '');
    const warnings: string[] = [];
    const rs = [service('web'), file('/etc/web.conf', 'v1', { notify: ['service:web'] })];
    const { host, graph, deps } = setup(rs, {
      notifyQueueFile: path.join(dataDir, 'not-a-dir', 'q.json'),
      warn: (m) => warnings.push(m),
    });
    const r = await reconcile(graph, deps);
    expect(r.exitCode).toBe(0);
    expect(host.restarts).toEqual(['web']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/notify queue .* not saved/);
  });

  it('keeps a notify queued when the restart is denied, and reports it blocked', async () => {
    const queueFile = path.join(dataDir, 'q.json');
    const rs = [service('web'), file('/etc/web.conf', 'v1', { notify: ['service:web'] })];
    const { host, graph, deps } = setup(rs, {
      notifyQueueFile: queueFile,
      gate: gateFrom({ 'service_restart web': 'deny' }),
    });
    const r = await reconcile(graph, deps);
    expect(host.restarts).toEqual([]);
    expect(r.notified[0]).toMatchObject({ status: 'blocked', rule: 'rule:service_restart web' });
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(fs.readFileSync(queueFile, 'utf8')).pending).toHaveLength(1);
  });

  it('auto_rollback restores the paths this run changed when verify fails, and reports both', async () => {
    const rs = [file('/good', 'new'), file('/liar', 'wanted'), file('/untouched', 'same')];
    const { host, graph, deps, snapshots } = setup(rs, { autoRollback: true });
    host.files.set('/good', 'old');
    host.files.set('/untouched', 'same');
    host.lying.add('/liar');
    const r = await reconcile(graph, deps);
    expect(statusOf(r)).toEqual({
      'file:/good': 'changed',
      'file:/liar': 'failed',
      'file:/untouched': 'unchanged',
    });
    expect(r.resources[1]?.error).toMatch(/did not converge.*content/);
    expect(snapshots.restored).toEqual([{ id: 'snap-1', paths: ['/good', '/liar'] }]);
    expect(r.rollback).toMatchObject({ snapshot: 'snap-1', restored: ['/good'], removed: [] });
    expect(host.files.get('/good')).toBe('old');
    expect(r.exitCode).toBe(1);
  });

  it('does not roll back without auto_rollback', async () => {
    const { host, graph, deps, snapshots } = setup([file('/good', 'new'), file('/liar', 'x')]);
    host.lying.add('/liar');
    const r = await reconcile(graph, deps);
    expect(r.rollback).toBeUndefined();
    expect(snapshots.restored).toEqual([]);
    expect(host.files.get('/good')).toBe('new');
  });

  it('refuses a saved plan when the host drifted since, applying nothing', async () => {
    const rs = [file('/a', 'A'), file('/b', 'B')];
    const { host, graph, deps } = setup(rs);
    const { plan } = await makePlan(graph.order, deps);
    host.files.set('/b', 'edited by hand');
    await expect(reconcile(graph, deps, { expectedHash: plan.hash })).rejects.toBeInstanceOf(PlanDriftError);
    expect(host.executed).toEqual([]);
    const fresh = await makePlan(graph.order, deps);
    const r = await reconcile(graph, deps, { expectedHash: fresh.plan.hash });
    expect(r.counts.changed).toBe(2);
  });

  it('plans the same hash twice for an unchanged host', async () => {
    const { graph, deps } = setup([file('/a', 'A')]);
    const one = await makePlan(graph.order, deps);
    const two = await makePlan(graph.order, deps);
    expect(one.plan.hash).toBe(two.plan.hash);
    expect(one.plan.resources[0]).toMatchObject({ status: 'create', actions: [{ tool: 'write_file' }] });
  });

  it('limits the run to --only ids and refuses unknown ones', async () => {
    const { host, graph, deps } = setup([file('/a', 'A'), file('/b', 'B')]);
    const r = await reconcile(graph, deps, { only: ['file:/b'] });
    expect(r.resources.map((o) => o.id)).toEqual(['file:/b']);
    expect([...host.files.keys()]).toEqual(['/b']);
    await expect(reconcile(graph, deps, { only: ['file:/nope'] })).rejects.toThrow(/--only.*file:\/nope/);
  });

  it('records the run through the recorder with timings, without failing the run when recording fails', async () => {
    const recorded: RunReport[] = [];
    const warnings: string[] = [];
    const ok = setup([file('/a', 'A')], { recorder: { record: (r) => void recorded.push(r) } });
    const r = await reconcile(ok.graph, ok.deps);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.runId).toBe(r.runId);
    expect(Object.keys(r.timings)).toEqual(
      expect.arrayContaining(['observe', 'diff', 'gate', 'snapshot', 'apply']),
    );
    const bad = setup([file('/a', 'A')], {
      recorder: {
        record: () => {
          throw new Error('disk full');
        },
      },
      warn: (m) => warnings.push(m),
    });
    const r2 = await reconcile(bad.graph, bad.deps);
    expect(r2.exitCode).toBe(0);
    expect(warnings[0]).toContain('disk full');
  });

  it('aborts before any write when the pre-apply snapshot fails', async () => {
    const { host, graph, deps } = setup([file('/a', 'A')]);
    deps.snapshotter = {
      snapshot: async () => {
        throw new Error('store is read-only');
      },
      restorePaths: async () => ({ restored: [], removed: [] }),
    };
    await expect(reconcile(graph, deps)).rejects.toThrow(/snapshot failed, nothing was changed.*read-only/);
    expect(host.executed).toEqual([]);
  });
});

describe('batches', () => {
  it('groups only independent files of one directory, in order', async () => {
    const { batches } = await import('../../src/reconcile/reconcile.js');
    const rs = [
      file('/etc/a/1', 'x'),
      file('/etc/a/2', 'x'),
      file('/etc/b/1', 'x'),
      file('/etc/b/2', 'x', { requires: ['file:/etc/b/1'] }),
      file('/etc/b/3', 'x'),
      service('web'),
      file('/etc/b/4', 'x'),
    ];
    const { graph } = setup(rs);
    const groups = batches(graph.order, graph, new Set(['file'])).map((b) => b.map((r) => r.id));
    expect(groups).toEqual([
      ['file:/etc/a/1', 'file:/etc/a/2'],
      ['file:/etc/b/1'],
      ['file:/etc/b/2', 'file:/etc/b/3'],
      ['service:web'],
      ['file:/etc/b/4'],
    ]);
  });
});

describe('differences without actions', () => {
  it('reports a resource whose controller plans nothing for a difference as failed', async () => {
    const { graph, deps } = setup([file('/x', 'x')]);
    const c = deps.lookup('file');
    if (c) c.plan = () => [];
    const r = await reconcile(graph, deps);
    expect(r.resources[0]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/no action can converge/),
    });
    expect(r.exitCode).toBe(1);
  });
});
