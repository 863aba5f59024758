import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PackageObserved, packageController } from '../../controllers/package-controller.js';
import { type PackageSpec, packageSchema } from '../../controllers/package-schema.js';
import { spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { systemTools } from '../../src/tools/system-tools.js';
import type { Tool } from '../../src/tools/tool.js';
import { TOOL } from '../../src/tools/tool-args.js';
import { fakeApt, fakeAptInRoot, writeDpkgStatus } from '../host/dpkg-fake.js';

const spec = (raw: Record<string, unknown>): PackageSpec => packageSchema.parse(raw);
const missing: PackageObserved = { database: true, installed: false, status: 'absent' };
const at = (version: string): PackageObserved => ({
  database: true,
  installed: true,
  status: 'present',
  version,
});
const plan = (s: PackageSpec, o: PackageObserved) =>
  packageController.plan(packageController.diff(s, o), s, o);
const tool = (name: string): Tool => systemTools.find((t) => t.name === name) as Tool;

describe('package schema', () => {
  it('defaults state to present', () => {
    expect(spec({ name: 'nginx' })).toEqual({ name: 'nginx', state: 'present' });
  });

  it('rejects names that are not Debian package names, and a pin on an absent package', () => {
    expect(packageSchema.safeParse({ name: 'Nginx' }).success).toBe(false);
    expect(packageSchema.safeParse({ name: '-oAPT' }).success).toBe(false);
    expect(packageSchema.safeParse({ name: 'nginx', version: '1 2' }).success).toBe(false);
    const absentPin = packageSchema.safeParse({ name: 'nginx', version: '1.0', state: 'absent' });
    expect(absentPin.error?.issues[0]?.path).toEqual(['version']);
  });
});

describe('package diff and plan', () => {
  it('installs a missing package', () => {
    const s = spec({ name: 'nginx' });
    expect(packageController.diff(s, missing)).toEqual([
      { field: 'state', before: 'absent', after: 'present' },
    ]);
    expect(plan(s, missing)).toEqual([
      {
        tool: TOOL.packageInstall,
        args: { name: 'nginx' },
        resource: 'package:nginx',
        reason: 'nginx is absent',
      },
    ]);
  });

  it('is converged for any installed version when none is pinned', () => {
    expect(packageController.diff(spec({ name: 'nginx' }), at('1.22.1-9'))).toEqual([]);
  });

  it('installs the pinned version over another one', () => {
    const s = spec({ name: 'nginx', version: '1.22.1-9' });
    expect(packageController.diff(s, at('1.24.0-1'))).toEqual([
      { field: 'version', before: '1.24.0-1', after: '1.22.1-9' },
    ]);
    expect(plan(s, at('1.24.0-1'))[0]?.args).toEqual({ name: 'nginx', version: '1.22.1-9' });
    expect(packageController.diff(s, at('1.22.1-9'))).toEqual([]);
  });

  it('reinstalls a package dpkg left half-configured, naming that state', () => {
    const broken: PackageObserved = { database: true, installed: false, status: 'half-configured' };
    expect(packageController.diff(spec({ name: 'nginx' }), broken)[0]?.before).toBe('half-configured');
    expect(plan(spec({ name: 'nginx' }), broken)[0]?.tool).toBe(TOOL.packageInstall);
  });

  it('removes an installed package that should be absent, and leaves config-files leftovers alone', () => {
    const s = spec({ name: 'telnetd', state: 'absent' });
    expect(plan(s, at('1.0'))).toEqual([
      {
        tool: TOOL.packageRemove,
        args: { name: 'telnetd' },
        resource: 'package:telnetd',
        reason: 'telnetd is installed and should be absent',
      },
    ]);
    const leftovers: PackageObserved = {
      database: true,
      installed: false,
      status: 'absent (config files remain)',
    };
    expect(packageController.diff(s, leftovers)).toEqual([]);
    expect(packageController.diff(spec({ name: 'telnetd' }), leftovers)).toEqual([
      { field: 'state', before: 'absent', after: 'present' },
    ]);
  });
});

describe('package observe and tools', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aios-pkg-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('observes a root without a dpkg database as having nothing installed', async () => {
    const o = await packageController.observe(spec({ name: 'nginx' }), {
      root: new RootPath(dir),
      runner: spawnRunner,
      specDir: dir,
    });
    expect(o).toEqual({ database: false, installed: false, status: 'absent' });
  });

  it('observes the version from the root’s dpkg database with the real dpkg-query', async () => {
    await writeDpkgStatus(dir, [{ name: 'nginx', version: '1.22.1-9' }]);
    const o = await packageController.observe(spec({ name: 'nginx' }), {
      root: new RootPath(dir),
      runner: spawnRunner,
      specDir: dir,
    });
    expect(o).toEqual({ database: true, installed: true, status: 'present', version: '1.22.1-9' });
  });

  it('package_install keeps only the end of a long apt output', async () => {
    await writeDpkgStatus(dir, []);
    await fakeAptInRoot(dir);
    const apt = fakeApt(dir, { hello: ['1.0'] });
    const chatty: typeof apt.runner = async (command, options) => {
      const r = await apt.runner(command, options);
      if (!command.includes('install')) return r;
      const noise = Array.from({ length: 500 }, (_, i) => `Get:${i} http://deb.example/ pkg${i}`).join('\n');
      return { ...r, stdout: `${noise}\n${r.stdout}` };
    };
    const r = await tool(TOOL.packageInstall).run(
      { name: 'hello' },
      { root: new RootPath(dir), runner: chatty, sandbox: false },
    );
    expect(r.ok).toBe(true);
    const lines = r.output.split('\n');
    expect(lines[0]).toBe('installed hello');
    expect(lines[1]).toBe('… (461 lines above)');
    expect(lines.at(-1)).toBe('Setting up hello (1.0) ...');
    expect(lines).toHaveLength(42);
  });

  it('package_install declares the network effect and package_remove exec', () => {
    expect(tool(TOOL.packageInstall).effect).toBe('network');
    expect(tool(TOOL.packageRemove).effect).toBe('exec');
  });

  it('package_install under a bare root fails with the reason, never throwing', async () => {
    const r = await tool(TOOL.packageInstall).run(
      { name: 'nginx' },
      { root: new RootPath(dir), runner: spawnRunner, sandbox: false },
    );
    expect(r.ok).toBe(false);
    expect(r.changed).toBe(false);
    expect(r.output).toContain(`cannot install or remove packages under root ${dir}`);
  });

  it('package_install and package_remove report what they changed', async () => {
    await writeDpkgStatus(dir, []);
    await fakeAptInRoot(dir);
    const apt = fakeApt(dir, { hello: ['1.0'] });
    const ctx = { root: new RootPath(dir), runner: apt.runner, sandbox: false };
    expect(await tool(TOOL.packageInstall).run({ name: 'hello' }, ctx)).toMatchObject({
      ok: true,
      changed: true,
      exitCode: 0,
      output: expect.stringContaining('installed hello'),
    });
    expect(await tool(TOOL.packageInstall).run({ name: 'hello' }, ctx)).toMatchObject({
      ok: true,
      changed: false,
      output: expect.stringContaining('(no change)'),
    });
    expect(await tool(TOOL.packageRemove).run({ name: 'hello' }, ctx)).toMatchObject({
      ok: true,
      changed: true,
    });
    const failed = await tool(TOOL.packageInstall).run({ name: 'nosuch' }, ctx);
    expect(failed).toMatchObject({ ok: false, changed: false, exitCode: 100 });
    expect(failed.stderr).toContain('Unable to locate package nosuch');
  });
});
