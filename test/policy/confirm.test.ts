// confirmAction: --yes approves, no TTY and no --yes refuses, a TTY asks showing command, rule and reason.
import { describe, expect, it } from 'vitest';
import { confirmAction, describeAction } from '../../cli/confirm.js';
import type { Io } from '../../cli/io.js';
import type { Action, Decision } from '../../src/types.js';

function fakeIo(stdinTTY: boolean) {
  const err: string[] = [];
  const io: Io = { out: () => {}, err: (t) => err.push(t), isTTY: stdinTTY, stdinTTY, color: false };
  return { io, err };
}
const action: Action = { tool: 'bash', args: { command: 'systemctl reboot' }, reason: 'apply kernel' };
const confirm: Decision = {
  verdict: 'confirm',
  rule: 'builtin:systemctl-power',
  reason: 'rebooting the host',
};

describe('confirmAction', () => {
  it('approves with --yes without asking', async () => {
    const { io } = fakeIo(false);
    expect(await confirmAction(io, action, confirm, { yes: true })).toBe(true);
  });
  it('refuses with no TTY and no --yes, and says how to approve', async () => {
    const { io, err } = fakeIo(false);
    expect(await confirmAction(io, action, confirm, { yes: false })).toBe(false);
    expect(err.join('\n')).toMatch(/not run: systemctl reboot needs confirmation \(builtin:systemctl-power/);
    expect(err.join('\n')).toMatch(/--yes/);
  });
  it('on a TTY shows command, rule and reason and follows the answer', async () => {
    for (const [answer, expected] of [
      ['y', true],
      ['YES', true],
      ['n', false],
      ['', false],
    ] as const) {
      const { io, err } = fakeIo(true);
      const questions: string[] = [];
      const ok = await confirmAction(io, action, confirm, {
        yes: false,
        ask: async (q) => {
          questions.push(q);
          return answer;
        },
      });
      expect(ok).toBe(expected);
      expect(questions).toEqual(['Run it? [y/N] ']);
      const shown = err.join('\n');
      expect(shown).toContain('systemctl reboot');
      expect(shown).toContain('builtin:systemctl-power');
      expect(shown).toContain('rebooting the host');
    }
  });
  it('never confirms a deny, even with --yes, and never asks for an allow', async () => {
    const { io } = fakeIo(true);
    const ask = async () => {
      throw new Error('must not ask');
    };
    expect(await confirmAction(io, action, { ...confirm, verdict: 'deny' }, { yes: true, ask })).toBe(false);
    expect(await confirmAction(io, action, { ...confirm, verdict: 'allow' }, { yes: false, ask })).toBe(true);
  });
  it('describes tool actions by their main argument', () => {
    expect(describeAction({ tool: 'write_file', args: { path: '/etc/motd' }, reason: '' })).toBe(
      'write_file /etc/motd',
    );
    expect(describeAction({ tool: 'package_remove', args: { name: 'nginx' }, reason: '' })).toBe(
      'package_remove nginx',
    );
  });
});
