import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprint } from '../../src/reconcile/canonical.js';
import { planHash, statusOf } from '../../src/reconcile/plan.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { file, gateFrom, setup } from './fakes.js';

describe('plan status', () => {
  it('calls a resource create, remove or change from its state change', () => {
    expect(statusOf([])).toBe('converged');
    expect(statusOf([{ field: 'state', before: 'absent', after: 'present' }])).toBe('create');
    expect(statusOf([{ field: 'state', before: 'present', after: 'absent' }])).toBe('remove');
    expect(statusOf([{ field: 'mode', before: '0600', after: '0644' }])).toBe('change');
    expect(statusOf([{ field: 'exists', before: false, after: true }])).toBe('create');
  });
});

describe('canonical JSON and the plan hash', () => {
  it('does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(fingerprint({ a: 1, b: 2 })).toBe(fingerprint({ b: 2, a: 1 }));
  });

  it('changes when an action, a fingerprint, the root or the selection changes', () => {
    const base = {
      root: '/',
      only: [],
      resources: [
        {
          id: 'file:/a',
          kind: 'file',
          name: '/a',
          status: 'change' as const,
          changes: [],
          actions: [{ tool: 'chmod', args: { path: '/a', mode: '0644' }, reason: '' }],
          fingerprint: 'f1',
          source: { file: 'x' },
        },
      ],
    };
    const h = planHash(base);
    expect(planHash({ ...base, root: '/srv' })).not.toBe(h);
    expect(planHash({ ...base, only: ['file:/a'] })).not.toBe(h);
    const r0 = base.resources[0] as (typeof base.resources)[number];
    expect(planHash({ ...base, resources: [{ ...r0, fingerprint: 'f2' }] })).not.toBe(h);
    expect(
      planHash({
        ...base,
        resources: [{ ...r0, actions: [{ ...r0.actions[0], args: { path: '/a', mode: '0600' } } as never] }],
      }),
    ).not.toBe(h);
    expect(planHash(structuredClone(base))).toBe(h);
  });
});

describe('dry run and policy', () => {
  it('reports a denied resource as blocked with exit 3 even in a dry run', async () => {
    const { host, graph, deps } = setup([file('/etc/shadow', 'x')], {
      gate: gateFrom({ 'write_file /etc/shadow': 'deny' }),
    });
    const r = await reconcile(graph, deps, { dryRun: true });
    expect(r.resources[0]?.status).toBe('blocked');
    expect(r.exitCode).toBe(3);
    expect(host.executed).toEqual([]);
  });
});
