// The daemon's approvals queue: a confirm-verdict action found by a daemon-triggered reconcile is
// held here (nobody is at the daemon's terminal) until a person approves or denies it, or it
// expires after [security] approval_timeout and counts as denied. Approved actions run in the next
// pass. Kept in one JSON file in data_dir, written atomically, so approvals survive a restart.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { atomicWrite } from '../host/atomic-write.js';
import type { Approval } from '../policy/gate-types.js';
import type { Action, Decision } from '../types.js';

export type ApprovalAnswer = 'approved' | 'denied';

/** Same action (tool + args + resource) → same key, so a pass does not queue duplicates. */
export function actionKey(action: Action): string {
  const canonical = JSON.stringify([action.tool, action.resource ?? '', sortKeys(action.args)]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}

interface StoredApproval extends Approval {
  key: string;
  decided_at?: string;
}

export class ApprovalsQueue {
  private items: StoredApproval[] = [];

  private constructor(
    private readonly file: string,
    private readonly timeoutMs: number,
    private readonly now: () => number,
  ) {}

  static async open(file: string, timeoutMs: number, now: () => number = Date.now): Promise<ApprovalsQueue> {
    const q = new ApprovalsQueue(file, timeoutMs, now);
    try {
      const parsed = JSON.parse(await fs.promises.readFile(file, 'utf8')) as { approvals?: StoredApproval[] };
      q.items = Array.isArray(parsed.approvals) ? parsed.approvals : [];
    } catch {
      q.items = []; // no file yet (or unreadable: start empty rather than run anything unapproved)
    }
    return q;
  }

  /** Mark pending approvals past their deadline as expired (= denied). Returns what expired. */
  expire(): StoredApproval[] {
    const t = this.now();
    const expired = this.items.filter((a) => a.state === 'pending' && Date.parse(a.expires_at) <= t);
    for (const a of expired) {
      a.state = 'expired';
      a.decided_at = new Date(t).toISOString();
    }
    return expired;
  }

  /**
   * Called by a daemon reconcile for a confirm decision. True when a person approved this exact
   * action (the approval is consumed); otherwise the action is (or stays) pending and false is returned.
   */
  consult(
    action: Action,
    decision: Decision,
    /** What is stored and shown: the action with secrets and sensitive contents hidden. */
    shown: Action = action,
  ): { approved: boolean; approval: StoredApproval; created: boolean } {
    this.expire();
    const key = actionKey(action);
    const approved = this.items.find((a) => a.key === key && a.state === 'approved');
    if (approved) {
      this.items = this.items.filter((a) => a !== approved);
      return { approved: true, approval: approved, created: false };
    }
    const pending = this.items.find((a) => a.key === key && a.state === 'pending');
    if (pending) return { approved: false, approval: pending, created: false };
    const t = this.now();
    const approval: StoredApproval = {
      id: randomBytes(4).toString('hex'),
      key,
      action: shown,
      decision,
      created_at: new Date(t).toISOString(),
      expires_at: new Date(t + this.timeoutMs).toISOString(),
      state: 'pending',
    };
    this.items.push(approval);
    return { approved: false, approval, created: true };
  }

  /** A person's answer. Only pending approvals can be decided; ids may be given by prefix. */
  decide(id: string, answer: ApprovalAnswer): StoredApproval {
    this.expire();
    const matches = this.items.filter((a) => a.id === id || a.id.startsWith(id));
    if (matches.length !== 1)
      throw new Error(matches.length === 0 ? `no approval ${id}` : `approval id ${id} is ambiguous`);
    const a = matches[0] as StoredApproval;
    if (a.state !== 'pending') throw new Error(`approval ${a.id} is already ${a.state}`);
    a.state = answer;
    a.decided_at = new Date(this.now()).toISOString();
    return a;
  }

  list(includeDecided = false): StoredApproval[] {
    this.expire();
    return this.items.filter((a) => includeDecided || a.state === 'pending');
  }

  /** Drop decided entries older than a day so the file stays small. */
  async save(): Promise<void> {
    const cutoff = this.now() - 24 * 3600_000;
    this.items = this.items.filter(
      (a) =>
        a.state === 'pending' || a.state === 'approved' || Date.parse(a.decided_at ?? a.created_at) > cutoff,
    );
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true, mode: 0o750 });
    await atomicWrite(this.file, `${JSON.stringify({ approvals: this.items }, null, 2)}\n`, { mode: 0o600 });
  }
}
