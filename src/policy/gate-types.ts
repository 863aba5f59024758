// What the reconciler and the agent need from the gate: a synchronous, side-effect-free decision
// per Action. Recording decisions (audit) is the caller's job.
import type { Action, Decision, Effect } from '../types.js';

export interface PolicyGate {
  /** Decide one action. `effect` is the tool's declared effect. Never throws for bad input: deny. */
  decide(action: Action, effect: Effect): Decision;
}

/** A confirm decision held for a person (CLI prompt, or the daemon's approvals queue). */
export interface Approval {
  id: string;
  action: Action;
  decision: Decision;
  created_at: string;
  expires_at: string;
  state: 'pending' | 'approved' | 'denied' | 'expired';
}
