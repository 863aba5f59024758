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
  it('hide contents in the public plan, yet a content change still changes the hash', async () => {
    const secret = file('/etc/token', 's3cret-value');
    secret.spec.sensitive = true;
    const { host, graph, deps } = setup([secret]);
    const one = await makePlan(graph.order, deps);
    const shown = JSON.stringify(publicPlan(one.plan));
    expect(shown).not.toContain('s3cret-value');
    expect(shown).toContain('(sensitive)');
    expect(JSON.stringify(one.plan)).toContain('s3cret-value');
    host.files.set('/etc/token', 'other');
    const two = await makePlan(graph.order, deps);
    expect(two.plan.hash).not.toBe(one.plan.hash);
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
