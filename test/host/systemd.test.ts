import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessRunner } from '../../src/host/process-runner.js';
import { spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import {
  controlUnit,
  setUnitEnabled,
  systemdManages,
  unitActiveState,
  unitEnabledState,
  unitName,
} from '../../src/host/systemd.js';
import { runResult } from '../fixtures/run-result.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aios-systemd-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const UNIT =
  '[Unit]\nDescription=demo\n\n[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n';

async function writeUnit(where: 'etc' | 'lib', name = 'demo.service'): Promise<string> {
  const d = path.join(dir, where === 'etc' ? 'etc/systemd/system' : 'lib/systemd/system');
  await fs.mkdir(d, { recursive: true });
  await fs.writeFile(path.join(d, name), UNIT);
  return path.join(dir, 'etc/systemd/system/multi-user.target.wants', name);
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

describe('unit enablement with the real systemctl --root on a temp root', () => {
  it('enables and disables a unit in etc/systemd/system, measuring the change', async () => {
    const wants = await writeUnit('etc');
    const root = new RootPath(dir);
    expect(await unitEnabledState(root, spawnRunner, 'demo')).toBe('disabled');
    const on = await setUnitEnabled(root, spawnRunner, 'demo', true);
    expect(on).toMatchObject({ ok: true, changed: true });
    expect(on.command).toEqual(['systemctl', `--root=${dir}`, 'enable', 'demo.service']);
    expect(await fs.readlink(wants)).toBe('/etc/systemd/system/demo.service');
    expect(await unitEnabledState(root, spawnRunner, 'demo.service')).toBe('enabled');
    expect(await setUnitEnabled(root, spawnRunner, 'demo', true)).toMatchObject({ ok: true, changed: false });
    const off = await setUnitEnabled(root, spawnRunner, 'demo', false);
    expect(off).toMatchObject({ ok: true, changed: true });
    expect(await exists(wants)).toBe(false);
    expect(await unitEnabledState(root, spawnRunner, 'demo')).toBe('disabled');
  });

  it('enables a vendor unit from lib/systemd/system', async () => {
    const wants = await writeUnit('lib', 'vendor.service');
    const on = await setUnitEnabled(new RootPath(dir), spawnRunner, 'vendor', true);
    expect(on).toMatchObject({ ok: true, changed: true });
    expect(await fs.readlink(wants)).toBe('/lib/systemd/system/vendor.service');
  });

  it('says not-found for a unit the root does not have, and enabling it fails with systemctl’s reason', async () => {
    const root = new RootPath(dir);
    await fs.mkdir(path.join(dir, 'etc/systemd/system'), { recursive: true });
    expect(await unitEnabledState(root, spawnRunner, 'nope')).toBe('not-found');
    const out = await setUnitEnabled(root, spawnRunner, 'nope', true);
    expect(out.ok).toBe(false);
    expect(out.changed).toBe(false);
    expect(out.stderr).toMatch(/does not exist|No such file/);
  });

  it('refuses unit names that would be read as options', async () => {
    const calls: string[][] = [];
    const runner: ProcessRunner = async (c) => {
      calls.push(c);
      return runResult(c);
    };
    const out = await setUnitEnabled(new RootPath(dir), runner, '-H evil', true);
    expect(out.ok).toBe(false);
    expect(out.error?.message).toContain('not a systemd unit name');
    expect(calls).toEqual([]);
  });

  it('adds .service only to names without a unit suffix', () => {
    expect(unitName('nginx')).toBe('nginx.service');
    expect(unitName('cron.timer')).toBe('cron.timer');
    expect(unitName('getty@tty1.service')).toBe('getty@tty1.service');
  });
});

/** A stand-in for a live systemd: remembers which units are active. */
function fakeManager(active: Set<string>, failStart = false): { runner: ProcessRunner; calls: string[][] } {
  const calls: string[][] = [];
  const runner: ProcessRunner = async (command) => {
    calls.push(command);
    const [, verb, unit = ''] = command;
    if (verb === 'is-active')
      return active.has(unit) ? runResult(command, 'active\n') : runResult(command, 'inactive\n', 3);
    if (verb === 'start') {
      if (failStart)
        return runResult(
          command,
          '',
          1,
          `Job for ${unit} failed because the control process exited with error code.`,
        );
      active.add(unit);
      return runResult(command);
    }
    if (verb === 'stop') {
      active.delete(unit);
      return runResult(command);
    }
    return runResult(command);
  };
  return { runner, calls };
}

describe('start/stop/restart/reload', () => {
  it('starts a stopped unit on "/" through the runner and reports the change', async () => {
    const active = new Set<string>();
    const m = fakeManager(active);
    const out = await controlUnit(new RootPath('/'), m.runner, 'nginx', 'start');
    expect(out).toMatchObject({ ok: true, changed: true });
    expect(m.calls).toEqual([
      ['systemctl', 'is-active', 'nginx.service'],
      ['systemctl', 'show', '--property=NeedDaemonReload', '--value', 'nginx.service'],
      ['systemctl', 'start', 'nginx.service'],
      ['systemctl', 'is-active', 'nginx.service'],
    ]);
    expect(active.has('nginx.service')).toBe(true);
    expect(await controlUnit(new RootPath('/'), m.runner, 'nginx', 'start')).toMatchObject({
      ok: true,
      changed: false,
    });
    expect(await controlUnit(new RootPath('/'), m.runner, 'nginx', 'stop')).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(active.size).toBe(0);
  });

  it('returns a failed start as a value with systemctl’s stderr', async () => {
    const m = fakeManager(new Set(), true);
    const out = await controlUnit(new RootPath('/'), m.runner, 'nginx', 'start');
    expect(out.ok).toBe(false);
    expect(out.changed).toBe(false);
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toContain('Job for nginx.service failed');
    expect(out.error?.message).toContain('systemctl start nginx.service exited 1');
  });

  it('counts a successful restart or reload as a change', async () => {
    const m = fakeManager(new Set(['nginx.service']));
    expect(await controlUnit(new RootPath('/'), m.runner, 'nginx', 'restart')).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(await controlUnit(new RootPath('/'), m.runner, 'nginx', 'reload')).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(m.calls.filter((c) => c[1] !== 'show')).toEqual([
      ['systemctl', 'restart', 'nginx.service'],
      ['systemctl', 'is-active', 'nginx.service'],
      ['systemctl', 'reload', 'nginx.service'],
    ]);
  });

  it('treats a reload of a unit that is not running as a successful no-op', async () => {
    const m = fakeManager(new Set());
    const out = await controlUnit(new RootPath('/'), m.runner, 'nginx', 'reload');
    expect(out).toMatchObject({ ok: true, changed: false });
    expect(out.stdout).toContain('nothing to reload: nginx.service is inactive');
    expect(m.calls).toEqual([['systemctl', 'is-active', 'nginx.service']]);
  });

  it('runs daemon-reload before a restart when the unit file changed on disk', async () => {
    const calls: string[][] = [];
    const runner: ProcessRunner = async (c) => {
      calls.push(c);
      return c[1] === 'show' ? runResult(c, 'yes\n') : runResult(c);
    };
    expect(await controlUnit(new RootPath('/'), runner, 'nginx', 'restart')).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(calls.map((c) => c[1])).toEqual(['show', 'daemon-reload', 'restart']);
  });

  it('does not restart when the daemon-reload fails, and says why', async () => {
    const runner: ProcessRunner = async (c) =>
      c[1] === 'show'
        ? runResult(c, 'yes\n')
        : c[1] === 'daemon-reload'
          ? runResult(c, '', 1, 'Access denied')
          : runResult(c);
    const out = await controlUnit(new RootPath('/'), runner, 'nginx', 'restart');
    expect(out).toMatchObject({ ok: false, changed: false });
    expect(out.error?.message).toContain('systemctl daemon-reload exited 1: Access denied');
  });

  it('refuses to start a unit under another root and runs nothing there', async () => {
    const m = fakeManager(new Set());
    const out = await controlUnit(new RootPath(dir), m.runner, 'nginx', 'start');
    expect(out.ok).toBe(false);
    expect(out.error?.message).toContain(`cannot start nginx.service under root ${dir}`);
    for (const verb of ['stop', 'restart', 'reload'] as const) {
      const r = await controlUnit(new RootPath(dir), m.runner, 'nginx', verb);
      expect(r).toMatchObject({ ok: true, changed: false });
      expect(r.stdout).toContain(`nothing to ${verb}`);
    }
    expect(m.calls).toEqual([]);
  });
});

describe('active state', () => {
  it('is unknown for a root no service manager runs', async () => {
    const m = fakeManager(new Set(['nginx.service']));
    expect(systemdManages(new RootPath(dir))).toBe(false);
    expect(await unitActiveState(new RootPath(dir), m.runner, 'nginx')).toBeUndefined();
    expect(m.calls).toEqual([]);
  });

  it('asks systemctl is-active when a live manager runs the root', async () => {
    const m = fakeManager(new Set(['nginx.service']));
    expect(await unitActiveState(new RootPath('/'), m.runner, 'nginx', { live: true })).toBe('active');
    expect(await unitActiveState(new RootPath('/'), m.runner, 'cron', { live: true })).toBe('inactive');
  });

  it('matches sd_booted() on this machine for "/"', async () => {
    const booted = await fs.stat('/run/systemd/system').then(
      (s) => s.isDirectory(),
      () => false,
    );
    expect(systemdManages(new RootPath('/'))).toBe(booted);
  });
});
