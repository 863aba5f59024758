// The diff/apply renderers in-process: colour only when the Io says so, plain text otherwise.
import { describe, expect, it } from 'vitest';
import { renderResource, summaryLine, timingLine } from '../../cli/commands/diff.js';
import type { Io } from '../../cli/io.js';
import type { Plan, ResourcePlan } from '../../src/reconcile/plan.js';

function io(color: boolean): Io & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    out: (t) => lines.push(t),
    err: (t) => lines.push(t),
    isTTY: color,
    stdinTTY: false,
    color,
  };
}

const change: ResourcePlan = {
  id: 'file:/etc/motd',
  kind: 'file',
  name: '/etc/motd',
  status: 'change',
  changes: [
    {
      field: 'content',
      before: 'a',
      after: 'b',
      diff: '--- a/etc/motd\n+++ b/etc/motd\n@@ -1 +1 @@\n-old\n+new\n',
    },
    { field: 'mode', before: '0600', after: '0644' },
  ],
  actions: [],
  fingerprint: 'x',
  source: { file: '/specs/site.toml', line: 3 },
};

describe('diff rendering', () => {
  it('prints a header, the unified diff and a field list, without escape codes when plain', () => {
    const text = renderResource(io(false), change);
    expect(text).toContain('~ change file:/etc/motd  (/specs/site.toml:3)');
    expect(text).toContain('      -old\n      +new');
    expect(text).toContain('    mode: 0600 → 0644');
    expect(text).not.toContain('\u001b[');
  });

  it('colours additions green and removals red on a colour terminal', () => {
    const text = renderResource(io(true), change);
    expect(text).toContain('\u001b[32m+new\u001b[0m');
    expect(text).toContain('\u001b[31m-old\u001b[0m');
  });

  it('hides a sensitive resource even if a caller passes the raw plan', () => {
    const secret = { ...change, sensitive: true };
    const text = renderResource(io(false), secret);
    expect(text).not.toContain('old');
    expect(text).toContain('(sensitive)');
  });

  it('summarises a plan and the timings', () => {
    const plan: Plan = { version: 1, root: '/', only: [], resources: [change], hash: 'ab'.repeat(32) };
    expect(summaryLine(io(false), plan)).toBe(
      'Plan: 0 to create, 1 to change, 0 to remove, 0 unchanged. (plan abababababab)',
    );
    expect(summaryLine(io(false), { ...plan, resources: [{ ...change, status: 'converged' }] })).toBe(
      'No changes: 1 resource converged.',
    );
    expect(timingLine({ load: 1.25, observe: 2, apply: 3 })).toBe(
      'timings: load 1.3 ms, observe 2.0 ms, apply 3.0 ms',
    );
  });
});
