import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ServiceObserved, serviceController } from '../../controllers/service-controller.js';
import { type ServiceSpec, serviceSchema } from '../../controllers/service-schema.js';
import type { ProcessRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { ACTIVE_UNKNOWN, systemdManages } from '../../src/host/systemd.js';
import { systemTools } from '../../src/tools/system-tools.js';
import type { Tool, ToolContext } from '../../src/tools/tool.js';
import { TOOL } from '../../src/tools/tool-args.js';
import { runResult } from '../fixtures/run-result.js';

const spec = (raw: Record<string, unknown>): ServiceSpec => serviceSchema.parse(raw);
const seen = (o: Partial<ServiceObserved>): ServiceObserved => ({
  unit: 'nginx.service',
  enabled: 'enabled',
  active: 'active',
  activeKnown: true,
  ...o,
});
const plan = (s: ServiceSpec, o: ServiceObserved) =>
  serviceController.plan(serviceController.diff(s, o), s, o);
const tool = (name: string): Tool => systemTools.find((t) => t.name === name) as Tool;

describe('service schema', () => {
  it('accepts a name alone and leaves state and enablement unmanaged', () => {
    expect(spec({ name: 'nginx' })).toEqual({ name: 'nginx', reload_on_notify: false });
  });

  it('rejects names that are not unit names and unknown states', () => {
    expect(serviceSchema.safeParse({ name: '-H host' }).success).toBe(false);
    expect(serviceSchema.safeParse({ name: 'nginx', state: 'started' }).success).toBe(false);
    expect(serviceSchema.safeParse({ name: 'nginx', enable: true }).success).toBe(false);
  });
});

describe('service diff and plan', () => {
  it('is converged when enabled and running as declared', () => {
    expect(
      serviceController.diff(spec({ name: 'nginx', state: 'running', enabled: true }), seen({})),
    ).toEqual([]);
  });

  it('plans enable and start for a disabled, stopped unit', () => {
    const s = spec({ name: 'nginx', state: 'running', enabled: true });
    const o = seen({ enabled: 'disabled', active: 'inactive' });
    expect(serviceController.diff(s, o)).toEqual([
      { field: 'enabled', before: 'disabled', after: 'enabled' },
      { field: 'state', before: 'inactive', after: 'running' },
    ]);
    expect(plan(s, o).map((a) => [a.tool, a.args, a.resource])).toEqual([
      [TOOL.serviceEnable, { name: 'nginx' }, 'service:nginx'],
      [TOOL.serviceStart, { name: 'nginx' }, 'service:nginx'],
    ]);
  });

  it('plans disable and stop for an enabled, running unit that should be off', () => {
    const s = spec({ name: 'nginx', state: 'stopped', enabled: false });
    expect(plan(s, seen({})).map((a) => a.tool)).toEqual([TOOL.serviceDisable, TOOL.serviceStop]);
  });

  it('treats a starting unit as running and a failed one as not running', () => {
    const s = spec({ name: 'nginx', state: 'running' });
    expect(serviceController.diff(s, seen({ active: 'activating' }))).toEqual([]);
    expect(plan(s, seen({ active: 'failed' })).map((a) => a.tool)).toEqual([TOOL.serviceStart]);
  });

  it('accepts static units as enabled and missing units as disabled, but not a masked unit as enabled', () => {
    expect(serviceController.diff(spec({ name: 'x', enabled: true }), seen({ enabled: 'static' }))).toEqual(
      [],
    );
    expect(
      serviceController.diff(spec({ name: 'x', enabled: false }), seen({ enabled: 'not-found' })),
    ).toEqual([]);
    expect(serviceController.diff(spec({ name: 'x', enabled: true }), seen({ enabled: 'masked' }))).toEqual([
      { field: 'enabled', before: 'masked', after: 'enabled' },
    ]);
  });

  it('says the state is unknown without systemd and plans no start or stop for it', () => {
    const s = spec({ name: 'nginx', state: 'running', enabled: true });
    const o = seen({ enabled: 'disabled', active: ACTIVE_UNKNOWN, activeKnown: false });
    const changes = serviceController.diff(s, o);
    expect(changes).toContainEqual({
      field: 'state',
      before: 'unknown (systemd not running)',
      after: 'running',
      unobservable: 'no service manager runs this root',
    });
    expect(plan(s, o).map((a) => a.tool)).toEqual([TOOL.serviceEnable]);
    expect(plan(spec({ name: 'nginx', state: 'stopped' }), o)).toEqual([]);
  });

  it('restarts on notify, or reloads when reload_on_notify is set', () => {
    expect(serviceController.onNotify?.(spec({ name: 'nginx' }))).toEqual([
      expect.objectContaining({
        tool: TOOL.serviceRestart,
        args: { name: 'nginx' },
        resource: 'service:nginx',
      }),
    ]);
    expect(serviceController.onNotify?.(spec({ name: 'nginx', reload_on_notify: true }))?.[0]?.tool).toBe(
      TOOL.serviceReload,
    );
  });

  it('does not restart a service declared stopped when notified', () => {
    expect(serviceController.onNotify?.(spec({ name: 'nginx', state: 'stopped' }))).toEqual([]);
  });

  it('requires the package of the same name, or the one it names', () => {
    expect(serviceController.implicitRequires?.(spec({ name: 'nginx.service' }))).toEqual(['package:nginx']);
    expect(serviceController.implicitRequires?.(spec({ name: 'ssh', package: 'openssh-server' }))).toEqual([
      'package:openssh-server',
    ]);
  });
});

describe('service observe', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aios-svc-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('asks is-enabled on the root’s unit files and never is-active under a non-/ root', async () => {
    const calls: string[][] = [];
    const runner: ProcessRunner = async (c) => {
      calls.push(c);
      return runResult(c, 'enabled\n');
    };
    const ctx = { root: new RootPath(dir), runner, specDir: dir };
    const o = await serviceController.observe(spec({ name: 'nginx', state: 'running', enabled: true }), ctx);
    expect(o).toEqual({
      unit: 'nginx.service',
      enabled: 'enabled',
      active: ACTIVE_UNKNOWN,
      activeKnown: false,
    });
    expect(calls).toEqual([['systemctl', `--root=${dir}`, 'is-enabled', 'nginx.service']]);
  });

  it('on "/" asks the live manager only when systemd is PID 1, else reads unit files offline', async () => {
    const calls: string[][] = [];
    const runner: ProcessRunner = async (c) => {
      calls.push(c);
      return runResult(c, c.includes('is-active') ? 'active\n' : 'enabled\n');
    };
    const live = systemdManages(new RootPath('/'));
    const o = await serviceController.observe(spec({ name: 'cron', state: 'running', enabled: true }), {
      root: new RootPath('/'),
      runner,
      specDir: dir,
    });
    if (live) {
      expect(calls).toEqual([
        ['systemctl', 'is-enabled', 'cron.service'],
        ['systemctl', 'is-active', 'cron.service'],
      ]);
      expect(o.activeKnown).toBe(true);
    } else {
      expect(calls).toEqual([['systemctl', '--root=/', 'is-enabled', 'cron.service']]);
      expect(o).toMatchObject({ enabled: 'enabled', active: ACTIVE_UNKNOWN, activeKnown: false });
    }
  });

  it('runs nothing when neither state nor enablement is declared', async () => {
    const runner: ProcessRunner = async (c) => {
      throw new Error(`ran ${c.join(' ')}`);
    };
    const o = await serviceController.observe(spec({ name: 'nginx' }), {
      root: new RootPath(dir),
      runner,
      specDir: dir,
    });
    expect(serviceController.diff(spec({ name: 'nginx' }), o)).toEqual([]);
  });
});

describe('service tools', () => {
  it('declare exec for start/stop/restart/reload and write for enable/disable', () => {
    const effects = Object.fromEntries(
      systemTools.filter((t) => t.name.startsWith('service_')).map((t) => [t.name, t.effect]),
    );
    expect(effects).toEqual({
      service_start: 'exec',
      service_stop: 'exec',
      service_restart: 'exec',
      service_reload: 'exec',
      service_enable: 'write',
      service_disable: 'write',
    });
  });

  it('service_start on "/" returns exit code and stderr of a failing systemctl instead of throwing', async () => {
    const runner: ProcessRunner = async (c) =>
      c[1] === 'start'
        ? runResult(
            c,
            '',
            1,
            "System has not been booted with systemd as init system (PID 1). Can't operate.",
          )
        : runResult(c, 'inactive\n', 3);
    const ctx: ToolContext = { root: new RootPath('/'), runner, sandbox: false };
    const r = await tool(TOOL.serviceStart).run({ name: 'nginx' }, ctx);
    expect(r).toMatchObject({ ok: false, changed: false, exitCode: 1 });
    expect(r.stderr).toContain('not been booted with systemd');
    expect(r.output).toContain('systemctl start nginx.service exited 1');
  });

  it('service_restart on "/" succeeds through the runner and is a change', async () => {
    const calls: string[][] = [];
    const runner: ProcessRunner = async (c) => {
      calls.push(c);
      return runResult(c);
    };
    const r = await tool(TOOL.serviceRestart).run(
      { name: 'nginx' },
      { root: new RootPath('/'), runner, sandbox: false },
    );
    expect(r).toMatchObject({ ok: true, changed: true, exitCode: 0 });
    expect(calls.at(-1)).toEqual(['systemctl', 'restart', 'nginx.service']);
  });

  it('a tool whose runner throws still returns a failed result', async () => {
    const runner: ProcessRunner = async () => {
      throw new Error('spawn exploded');
    };
    const r = await tool(TOOL.serviceStop).run(
      { name: 'nginx' },
      { root: new RootPath('/'), runner, sandbox: false },
    );
    expect(r).toMatchObject({ ok: false, changed: false });
    expect(r.output).toContain('spawn exploded');
  });
});
