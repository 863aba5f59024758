// Approvals are data with an expiry; a deny never becomes one, and only an approved confirm may run.
import { describe, expect, it } from 'vitest';
import {
  answerApproval,
  createApproval,
  isExpired,
  mayRun,
  refreshApproval,
} from '../../src/policy/approvals.js';
import type { Action, Decision } from '../../src/types.js';

const action: Action = { tool: 'bash', args: { command: 'reboot' }, reason: 'kernel update' };
const confirm: Decision = { verdict: 'confirm', rule: 'builtin:power', reason: 'shutting down' };
const t0 = new Date('2026-01-01T00:00:00Z');

describe('approvals', () => {
  it('are created pending with created_at and expires_at one ttl apart', () => {
    const a = createApproval(action, confirm, { ttlMs: 3_600_000, now: t0, id: 'a1' });
    expect(a).toEqual({
      id: 'a1',
      action,
      decision: confirm,
      created_at: '2026-01-01T00:00:00.000Z',
      expires_at: '2026-01-01T01:00:00.000Z',
      state: 'pending',
    });
    expect(createApproval(action, confirm, { ttlMs: 1 }).id).toMatch(/^[0-9a-f-]{36}$/);
  });
  it('are never created for a deny or an allow', () => {
    expect(() => createApproval(action, { ...confirm, verdict: 'deny' }, { ttlMs: 1 })).toThrow(
      /only a "confirm"/,
    );
    expect(() => createApproval(action, { ...confirm, verdict: 'allow' }, { ttlMs: 1 })).toThrow(
      /only a "confirm"/,
    );
  });
  it('expire after their ttl and can then no longer be answered', () => {
    const a = createApproval(action, confirm, { ttlMs: 1000, now: t0 });
    const later = new Date(t0.getTime() + 1000);
    expect(isExpired(a, new Date(t0.getTime() + 999))).toBe(false);
    expect(isExpired(a, later)).toBe(true);
    expect(refreshApproval(a, later).state).toBe('expired');
    expect(() => answerApproval(a, 'approved', later)).toThrow(/expired/);
  });
  it('may run only once approved', () => {
    const a = createApproval(action, confirm, { ttlMs: 1000, now: t0 });
    expect(mayRun(a)).toBe(false);
    const yes = answerApproval(a, 'approved', t0);
    expect(yes.state).toBe('approved');
    expect(mayRun(yes)).toBe(true);
    const no = answerApproval(a, 'denied', t0);
    expect(mayRun(no)).toBe(false);
    expect(() => answerApproval(yes, 'denied', t0)).toThrow(/approved/);
  });
  it('holding a deny cannot be answered into running', () => {
    const forged = {
      ...createApproval(action, confirm, { ttlMs: 1000, now: t0 }),
      decision: { ...confirm, verdict: 'deny' as const },
    };
    expect(() => answerApproval(forged, 'approved', t0)).toThrow(/deny is final/);
    expect(mayRun({ ...forged, state: 'approved' })).toBe(false);
  });
});
