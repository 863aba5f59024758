import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aptInstall, aptRemove, aptSupport } from '../../src/host/apt.js';
import { findPackage, readDpkgDatabase } from '../../src/host/dpkg.js';
import { type ProcessRunner, spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { fakeApt, fakeAptInRoot, readDpkgStatus, writeDpkgStatus } from './dpkg-fake.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aios-apt-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('apt under a root with its own apt and dpkg', () => {
  it('installs through chroot ROOT apt-get, non-interactively, and reports the change', async () => {
    await writeDpkgStatus(dir, []);
    await fakeAptInRoot(dir);
    const apt = fakeApt(dir, { hello: ['2.10-3'] });
    let env: NodeJS.ProcessEnv | undefined;
    const runner: ProcessRunner = (command, options) => {
      if (command.includes('apt-get')) env = options?.env;
      return apt.runner(command, options);
    };
    const out = await aptInstall(new RootPath(dir), runner, 'hello');
    expect(out.ok).toBe(true);
    expect(out.changed).toBe(true);
    const install = apt.calls.find((c) => c.includes('install'));
    expect(install?.slice(0, 6)).toEqual([
      'chroot',
      dir,
      'apt-get',
      'install',
      '-y',
      '--no-install-recommends',
    ]);
    expect(install?.at(-1)).toBe('hello');
    expect(env?.DEBIAN_FRONTEND).toBe('noninteractive');
    // Never stop at a conffile question nobody can answer; wait for a concurrent apt's lock.
    expect(install).toEqual(
      expect.arrayContaining([
        'Dpkg::Options::=--force-confdef',
        'Dpkg::Options::=--force-confold',
        'DPkg::Lock::Timeout=120',
      ]),
    );
    expect(await readDpkgStatus(dir)).toEqual([
      { name: 'hello', version: '2.10-3', status: 'install ok installed' },
    ]);
  });

  it('reports no change when the package is already installed', async () => {
    await writeDpkgStatus(dir, [{ name: 'hello', version: '2.10-3' }]);
    await fakeAptInRoot(dir);
    const apt = fakeApt(dir, { hello: ['2.10-3'] });
    const out = await aptInstall(new RootPath(dir), apt.runner, 'hello');
    expect(out).toMatchObject({ ok: true, changed: false });
  });

  it('pins a version with name=version and allows the downgrade to it', async () => {
    await writeDpkgStatus(dir, [{ name: 'hello', version: '2.10-3' }]);
    await fakeAptInRoot(dir);
    const apt = fakeApt(dir, { hello: ['2.10-3', '2.9-1'] });
    const out = await aptInstall(new RootPath(dir), apt.runner, 'hello', { version: '2.9-1' });
    expect(out).toMatchObject({ ok: true, changed: true });
    const install = apt.calls.find((c) => c.includes('install')) ?? [];
    expect(install).toContain('--allow-downgrades');
    expect(install.at(-1)).toBe('hello=2.9-1');
    const db = await readDpkgDatabase(new RootPath(dir), spawnRunner);
    expect(findPackage(db, 'hello')?.version).toBe('2.9-1');
  });

  it('runs apt-get update once and retries when the package index is stale', async () => {
    await writeDpkgStatus(dir, []);
    await fakeAptInRoot(dir);
    const apt = fakeApt(dir, {});
    const out = await aptInstall(new RootPath(dir), apt.runner, 'nosuchpkg');
    expect(out.ok).toBe(false);
    expect(out.changed).toBe(false);
    const verbs = apt.calls.filter((c) => c.includes('apt-get')).map((c) => c[3]);
    expect(verbs).toEqual(['install', 'update', 'install']);
    expect(out.stderr).toContain('Unable to locate package nosuchpkg');
    expect(out.error?.message).toContain('apt-get install');
  });

  it('removes an installed package and treats removing an absent one as a no-op', async () => {
    await writeDpkgStatus(dir, [{ name: 'hello', version: '1' }]);
    await fakeAptInRoot(dir);
    const apt = fakeApt(dir, { hello: ['1'] });
    const root = new RootPath(dir);
    expect(await aptRemove(root, apt.runner, 'hello')).toMatchObject({ ok: true, changed: true });
    expect(await readDpkgStatus(dir)).toEqual([]);
    expect(await aptRemove(root, apt.runner, 'hello')).toMatchObject({ ok: true, changed: false });
    expect(apt.calls.find((c) => c.includes('remove'))?.slice(0, 5)).toEqual([
      'chroot',
      dir,
      'apt-get',
      'remove',
      '-y',
    ]);
  });
});

describe('apt refusals', () => {
  it('refuses a root without apt and dpkg, saying what is missing, and runs nothing', async () => {
    const apt = fakeApt(dir, { hello: ['1'] });
    const root = new RootPath(dir);
    expect(await aptSupport(root)).toMatchObject({ mode: 'unsupported' });
    const out = await aptInstall(root, apt.runner, 'hello');
    expect(out.ok).toBe(false);
    expect(out.command).toEqual([]);
    expect(out.error?.name).toBe('HostError');
    expect(out.error?.message).toContain(`under root ${dir}`);
    expect(out.error?.message).toContain('/usr/bin/apt-get');
    expect((await aptRemove(root, apt.runner, 'hello')).ok).toBe(false);
    expect(apt.calls).toEqual([]);
  });

  it('refuses names and versions that are not Debian ones (no option injection)', async () => {
    const apt = fakeApt(dir, {});
    const root = new RootPath('/');
    for (const name of ['-oAPT::Get::Foo=1', 'Hello', 'a b', '']) {
      const out = await aptInstall(root, apt.runner, name);
      expect(out.ok, name).toBe(false);
      expect(out.error?.message).toContain('not a Debian package name');
    }
    expect((await aptInstall(root, apt.runner, 'hello', { version: '1.0 -y' })).error?.message).toContain(
      'not a Debian package version',
    );
    expect(apt.calls).toEqual([]);
  });

  it('uses plain apt-get (no chroot) for the root "/"', async () => {
    expect(await aptSupport(new RootPath('/'))).toEqual({ mode: 'host' });
    const calls: string[][] = [];
    const runner: ProcessRunner = async (command) => {
      calls.push(command);
      // dpkg-query answers "not installed" both times; apt-get "fails": nothing real runs.
      return {
        command,
        exitCode: command[0] === 'apt-get' ? 100 : 0,
        signal: null,
        stdout: '',
        stderr: 'E: fake',
        truncated: false,
        timedOut: false,
        durationMs: 1,
      };
    };
    const out = await aptInstall(new RootPath('/'), runner, 'hello');
    expect(out.ok).toBe(false);
    expect(calls.find((c) => c[0] === 'apt-get')?.slice(0, 4)).toEqual([
      'apt-get',
      'install',
      '-y',
      '--no-install-recommends',
    ]);
    expect(calls.some((c) => c[0] === 'chroot')).toBe(false);
  });
});

// Opt-in: installs and removes `sl` on THIS machine with the real apt-get.
const realApt = process.env.AIOS_TEST_APT === '1';
if (!realApt)
  console.log('skipping the real apt-get test: set AIOS_TEST_APT=1 to install and remove `sl` on this host');
describe.skipIf(!realApt)('real apt-get on this host (AIOS_TEST_APT=1)', () => {
  it('installs and removes sl, measured in the dpkg database', { timeout: 300_000 }, async () => {
    const root = new RootPath('/');
    const before = findPackage(await readDpkgDatabase(root, spawnRunner), 'sl');
    if (before?.installed) {
      console.log('sl is already installed here: not touching it');
      return;
    }
    const installed = await aptInstall(root, spawnRunner, 'sl');
    expect(installed.error?.message ?? '').toBe('');
    expect(installed).toMatchObject({ ok: true, changed: true });
    expect(findPackage(await readDpkgDatabase(root, spawnRunner), 'sl')?.installed).toBe(true);
    expect(await aptInstall(root, spawnRunner, 'sl')).toMatchObject({ ok: true, changed: false });
    const removed = await aptRemove(root, spawnRunner, 'sl');
    expect(removed).toMatchObject({ ok: true, changed: true });
    expect(findPackage(await readDpkgDatabase(root, spawnRunner), 'sl')?.installed ?? false).toBe(false);
  });
});

// Opt-in: a real Debian tree (e.g. `debootstrap --variant=minbase bookworm DIR`) as the root: apt runs
// chrooted into it and installs `sl` there; this machine's packages are not touched.
const debootstrapRoot = process.env.AIOS_TEST_DEBOOTSTRAP_ROOT;
if (!debootstrapRoot) {
  console.log('skipping the chroot apt-get test: set AIOS_TEST_DEBOOTSTRAP_ROOT=DIR (a debootstrap tree)');
}
describe.skipIf(!debootstrapRoot)(
  'real apt-get chrooted into a debootstrap root (AIOS_TEST_DEBOOTSTRAP_ROOT)',
  () => {
    it('installs and removes sl inside the root only', { timeout: 600_000 }, async () => {
      const root = new RootPath(debootstrapRoot as string);
      expect(await aptSupport(root)).toEqual({ mode: 'chroot' });
      const hostBefore =
        findPackage(await readDpkgDatabase(new RootPath('/'), spawnRunner), 'sl')?.installed ?? false;
      const installed = await aptInstall(root, spawnRunner, 'sl');
      expect(installed.error?.message ?? '').toBe('');
      expect(installed).toMatchObject({ ok: true, changed: true });
      expect(installed.command.slice(0, 3)).toEqual(['chroot', root.root, 'apt-get']);
      expect(findPackage(await readDpkgDatabase(root, spawnRunner), 'sl')?.installed).toBe(true);
      const hostAfter =
        findPackage(await readDpkgDatabase(new RootPath('/'), spawnRunner), 'sl')?.installed ?? false;
      expect(hostAfter).toBe(hostBefore);
      expect(await aptRemove(root, spawnRunner, 'sl')).toMatchObject({ ok: true, changed: true });
      expect(findPackage(await readDpkgDatabase(root, spawnRunner), 'sl')?.installed ?? false).toBe(false);
    });
  },
);
