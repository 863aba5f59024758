// runInitPlan with a recording ProcessRunner standing in for groupadd and systemctl, against a temp
// root: which commands run on a first and a second run, and that daemon-reload follows only a unit
// file that actually changed.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initPlan } from '../../cli/init-plan.js';
import { runInitPlan } from '../../cli/init-run.js';
import type { ProcessRunner, RunResult } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { seedRoot, tempDir } from './install-helpers.js';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const example = fs.readFileSync('docs/config.example.toml', 'utf8');

/** groupadd appends to the root's /etc/group; systemctl remembers enabled units. */
function fakeHost(root: string) {
  const calls: string[][] = [];
  const enabled = new Set<string>();
  const ok = (command: string[], stdout = ''): RunResult => ({
    command,
    exitCode: 0,
    signal: null,
    stdout,
    stderr: '',
    truncated: false,
    timedOut: false,
    durationMs: 1,
  });
  const runner: ProcessRunner = async (command) => {
    calls.push(command);
    const [cmd, ...rest] = command;
    if (cmd === 'groupadd') {
      fs.appendFileSync(path.join(root, 'etc/group'), `${rest.at(-1)}:x:998:\n`);
      return ok(command);
    }
    if (cmd === 'systemctl') {
      const verb = rest.find((a) => !a.startsWith('--'));
      const unit = rest.at(-1) as string;
      if (verb === 'is-enabled') return ok(command, enabled.has(unit) ? 'enabled\n' : 'disabled\n');
      if (verb === 'enable') enabled.add(unit);
      return ok(command);
    }
    return { ...ok(command), exitCode: 127, stderr: `${cmd}: not found` };
  };
  return { runner, calls };
}

function plan(liveSystemd: boolean, unitText = '[Service]\nExecStart=/x\n') {
  return initPlan({ mode: 'system', env: { HOME: '/root' }, exampleConfig: example, unitText, liveSystemd });
}

describe('runInitPlan', () => {
  it('adds the group and enables the unit once; the second run only asks', async () => {
    const root = tempDir('aios-init-run-');
    made.push(root);
    seedRoot(root);
    const host = fakeHost(root);
    const ctx = { root: new RootPath(root), runner: host.runner, uid: 0 };

    const first = await runInitPlan(plan(false), ctx);
    expect(first.filter((r) => r.status === 'failed')).toEqual([]);
    const verbs = (calls: string[][]) =>
      calls.map((c) => [c[0], ...c.slice(1).filter((a) => !a.startsWith('/'))].join(' '));
    expect(verbs(host.calls)).toEqual([
      'groupadd --root --system -- aios',
      `systemctl --root=${root} is-enabled aios-runtime.service`,
      `systemctl --root=${root} is-enabled aios-runtime.service`,
      `systemctl --root=${root} enable aios-runtime.service`,
      `systemctl --root=${root} is-enabled aios-runtime.service`,
    ]);
    expect(fs.statSync(path.join(root, 'run/aios')).gid).toBe(998);

    host.calls.length = 0;
    const second = await runInitPlan(plan(false), ctx);
    expect(second.every((r) => ['exists', 'kept', 'unchanged'].includes(r.status))).toBe(true);
    expect(verbs(host.calls)).toEqual([`systemctl --root=${root} is-enabled aios-runtime.service`]);
  });

  it('runs daemon-reload when systemd runs the root, only after the unit file changed', async () => {
    const root = tempDir('aios-init-reload-');
    made.push(root);
    seedRoot(root);
    const host = fakeHost(root);
    const ctx = { root: new RootPath(root), runner: host.runner, uid: 0 };
    const reloads = () => host.calls.filter((c) => c.join(' ') === 'systemctl daemon-reload').length;

    await runInitPlan(plan(true), ctx);
    expect(reloads()).toBe(1);
    await runInitPlan(plan(true), ctx);
    expect(reloads()).toBe(1); // unchanged unit: no reload
    const results = await runInitPlan(plan(true, '[Service]\nExecStart=/y\n'), ctx);
    expect(reloads()).toBe(2);
    expect(
      results.find((r) => r.target.endsWith('aios-runtime.service') && r.status === 'updated'),
    ).toBeTruthy();
  });

  it('leaves ownership alone when not run as root (an image built unprivileged)', async () => {
    const root = tempDir('aios-init-unpriv-');
    made.push(root);
    seedRoot(root);
    fs.chownSync(root, 65534, 65534);
    const host = fakeHost(root);
    // uid 1000: init does not chown; files get the creating process's owner (root here)
    const results = await runInitPlan(plan(false), {
      root: new RootPath(root),
      runner: host.runner,
      uid: 1000,
    });
    expect(results.filter((r) => r.status === 'failed')).toEqual([]);
    expect(fs.statSync(path.join(root, 'run/aios')).gid).toBe(process.getgid?.());
  });
});
