// Approvals as plain data: a confirm decision held for a person, with an expiry. Creation,
// expiry and answering are pure functions of (approval, now); storing them and auditing them is the
// daemon's job. A deny decision never becomes an approval: deny is final.
import { randomUUID } from 'node:crypto';
import { PolicyBlockedError } from '../errors.js';
import type { Action, Decision } from '../types.js';
import type { Approval } from './gate-types.js';

export interface ApprovalOptions {
  /** How long the approval may wait, in ms ([security] approval_timeout). */
  ttlMs: number;
  now?: Date;
  id?: string;
}

export function createApproval(action: Action, decision: Decision, opts: ApprovalOptions): Approval {
  if (decision.verdict !== 'confirm') {
    throw new PolicyBlockedError(
      `only a "confirm" decision can wait for approval; ${decision.rule} said ${decision.verdict}`,
    );
  }
  const now = opts.now ?? new Date();
  return {
    id: opts.id ?? randomUUID(),
    action,
    decision,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + opts.ttlMs).toISOString(),
    state: 'pending',
  };
}

export function isExpired(a: Approval, now: Date = new Date()): boolean {
  return a.state === 'expired' || (a.state === 'pending' && Date.parse(a.expires_at) <= now.getTime());
}

/** The approval with its state brought up to date (pending past its expiry becomes expired). */
export function refreshApproval(a: Approval, now: Date = new Date()): Approval {
  return a.state === 'pending' && isExpired(a, now) ? { ...a, state: 'expired' } : a;
}

/** Answer a pending approval. Expired or already-answered approvals cannot be answered. */
export function answerApproval(a: Approval, answer: 'approved' | 'denied', now: Date = new Date()): Approval {
  const current = refreshApproval(a, now);
  if (current.state !== 'pending') {
    throw new PolicyBlockedError(`approval ${a.id} is ${current.state}; it can no longer be answered`);
  }
  if (current.decision.verdict !== 'confirm') {
    throw new PolicyBlockedError(`approval ${a.id} holds a ${current.decision.verdict}; deny is final`);
  }
  return { ...current, state: answer };
}

/** May the held action run? Only an approved confirm (never a deny, never a pending or expired one). */
export function mayRun(a: Approval): boolean {
  return a.state === 'approved' && a.decision.verdict === 'confirm';
}
