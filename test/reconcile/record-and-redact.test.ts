import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemory } from '../../src/memory/memory-store.js';
import { memoryRecorder } from '../../src/reconcile/memory-recorder.js';
import { makePlan, publicPlan } from '../../src/reconcile/plan.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { file, setup } from './fakes.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-rec-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('recording runs in memory', () => {
  it('stores the run with counts and one event per resource that did something', async () => {
    const mem = openMemory(path.join(dir, 'memory.db'));
    const rs = [file('/a', 'A'), file('/b', 'B'), file('/c', 'C')];
    const { host, graph, deps } = setup(rs, { recorder: memoryRecorder(mem, 'apply') });
    host.files.set('/c', 'C');
    host.broken.add('/b');
    await reconcile(graph, deps);
    const run = mem.lastRun();
    expect(run).toMatchObject({ trigger: 'apply', status: 'failed' });
    expect((run?.summary as { counts?: unknown } | undefined)?.counts).toMatchObject({
      changed: 1,
      failed: 1,
      unchanged: 1,
    });
    const events = mem.runEvents(run?.id as number).map((e) => e.data);
    expect(events.map((e) => [e.resource_id ?? e.resourceId, e.status])).toEqual([
      ['file:/a', 'applied'],
      ['file:/b', 'failed'],
    ]);
    const tools = mem.history({ kind: 'tool' }).map((h) => h.data);
    expect(tools).toHaveLength(2);
    expect(JSON.stringify(tools)).not.toContain('"A"');
    mem.close();
  });

  it('audits every decision that was not a plain allow', async () => {
    const mem = openMemory(path.join(dir, 'memory.db'));
    const { gateFrom } = await import('./fakes.js');
    const { graph, deps } = setup([file('/etc/shadow', 'x'), file('/ok', 'y')], {
      recorder: memoryRecorder(mem, 'apply'),
      gate: gateFrom({ 'write_file /etc/shadow': 'deny' }),
    });
    const r = await reconcile(graph, deps);
    expect(r.actions.map((a) => [a.tool, a.args.path, a.ok])).toEqual([['write_file', '/ok', true]]);
    const audit = mem.auditEntries({}).map((e) => [e.kind, (e.payload as { verdict?: string }).verdict]);
    expect(audit).toContainEqual(['policy.decision', 'deny']);
    expect(audit.map((a) => a[0])).toContain('apply');
    expect(mem.verifyAudit().ok).toBe(true);
    mem.close();
  });
});

describe('sensitive resources', () => {
  it('hide contents in the public plan and keep them out of the hash', async () => {
    const secret = file('/etc/token', 's3cret-value');
    secret.spec.sensitive = true;
    const { host, graph, deps } = setup([secret]);
    const one = await makePlan(graph.order, deps);
    const shown = JSON.stringify(publicPlan(one.plan));
    expect(shown).not.toContain('s3cret-value');
    expect(shown).toContain('(sensitive)');
    // The real plan carries the secret to the tool...
    expect(JSON.stringify(one.plan)).toContain('s3cret-value');
    // ...but the published hash does not depend on it: another secret gives the same hash.
    const other = file('/etc/token', 'another-secret');
    other.spec.sensitive = true;
    const two = await makePlan([other], deps);
    expect(two.plan.hash).toBe(one.plan.hash);
    // Drift that observe can see without contents (the file appeared) still changes the hash.
    host.files.set('/etc/token', 'x');
    const three = await makePlan(graph.order, deps);
    expect(three.plan.hash).not.toBe(one.plan.hash);
  });

  it('hide args of actions marked sensitive even on a non-sensitive resource', async () => {
    const { graph, deps } = setup([file('/x', 'top secret')]);
    const c = deps.lookup('file');
    const plan = c?.plan.bind(c);
    if (c && plan) {
      c.plan = (changes, spec, obs) => plan(changes, spec, obs).map((a) => ({ ...a, sensitive: true }));
    }
    const { plan: p } = await makePlan(graph.order, deps);
    const action = publicPlan(p).resources[0]?.actions[0];
    expect(action?.args).toEqual({ path: '/x', content: '(sensitive)' });
  });
});

describe('failures of sensitive resources', () => {
  it('hide the tool output, which may echo the contents', async () => {
    const secret = file('/etc/key', 'k3y-material');
    secret.spec.sensitive = true;
    const { host, graph, deps } = setup([secret]);
    deps.execute = async () => ({ ok: false, output: 'line 1: k3y-material: syntax error', exitCode: 1 });
    const r = await reconcile(graph, deps);
    expect(host.files.size).toBe(0);
    expect(r.resources[0]?.status).toBe('failed');
    expect(JSON.stringify(r)).not.toContain('k3y-material');
    expect(r.resources[0]?.error).toMatch(/write_file failed \(exit 1\): output hidden/);
  });
});
