import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApprovalsQueue } from '../../src/runtime/approvals-queue.js';
import type { Action, Decision } from '../../src/types.js';

const action: Action = {
  tool: 'service_restart',
  args: { name: 'nginx' },
  resource: 'service:nginx',
  reason: 'notify',
};
const decision: Decision = { verdict: 'confirm', rule: 'mode:safe', reason: 'safe mode confirms every exec' };

async function tmpFile(): Promise<string> {
  return path.join(await fs.promises.mkdtemp(path.join(os.tmpdir(), 'aios-appr-')), 'approvals.json');
}

describe('approvals queue', () => {
  it('holds a confirm action once, runs it after approval, and consumes the approval', async () => {
    const q = await ApprovalsQueue.open(await tmpFile(), 3600_000);
    const first = q.consult(action, decision);
    expect(first).toMatchObject({ approved: false, created: true });
    expect(q.consult({ ...action, args: { name: 'nginx' } }, decision)).toMatchObject({
      approved: false,
      created: false,
    });
    expect(q.list()).toHaveLength(1);
    q.decide(first.approval.id, 'approved');
    expect(q.consult(action, decision).approved).toBe(true);
    // consumed: the next pass asks again
    expect(q.consult(action, decision)).toMatchObject({ approved: false, created: true });
  });

  it('treats an expired approval as denied and never runs it', async () => {
    let now = 1_000_000;
    const q = await ApprovalsQueue.open(await tmpFile(), 60_000, () => now);
    const { approval } = q.consult(action, decision);
    now += 61_000;
    expect(q.list()).toHaveLength(0);
    expect(() => q.decide(approval.id, 'approved')).toThrow(/already expired/);
    expect(q.list(true)[0]?.state).toBe('expired');
  });

  it('a denied action stays denied and is not run', async () => {
    const q = await ApprovalsQueue.open(await tmpFile(), 3600_000);
    const { approval } = q.consult(action, decision);
    q.decide(approval.id.slice(0, 4), 'denied');
    expect(q.list(true)[0]?.state).toBe('denied');
    expect(q.consult(action, decision).approved).toBe(false);
  });

  it('survives a restart through its file', async () => {
    const file = await tmpFile();
    const q = await ApprovalsQueue.open(file, 3600_000);
    const { approval } = q.consult(action, decision);
    await q.save();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const again = await ApprovalsQueue.open(file, 3600_000);
    expect(again.list().map((a) => a.id)).toEqual([approval.id]);
  });
});
