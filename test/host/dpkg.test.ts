import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeStatus, findPackage, parseDpkgQuery, readDpkgDatabase } from '../../src/host/dpkg.js';
import { type ProcessRunner, spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { writeDpkgStatus } from './dpkg-fake.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aios-dpkg-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function counting(): { runner: ProcessRunner; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    runner: (command, options) => {
      calls.push(command);
      return spawnRunner(command, options);
    },
  };
}

describe('dpkg database of a root', () => {
  it('reads installed packages and versions with the real dpkg-query --admindir', async () => {
    await writeDpkgStatus(dir, [
      { name: 'hello', version: '2.10-3' },
      { name: 'oldpkg', version: '0.9', status: 'deinstall ok config-files' },
      { name: 'broken', version: '1.0', status: 'install ok half-configured' },
    ]);
    const db = await readDpkgDatabase(new RootPath(dir), spawnRunner);
    expect(db.available).toBe(true);
    expect(findPackage(db, 'hello')).toMatchObject({ version: '2.10-3', installed: true, abbrev: 'ii ' });
    expect(findPackage(db, 'oldpkg')).toMatchObject({ installed: false, broken: false });
    expect(describeStatus(findPackage(db, 'oldpkg'))).toBe('absent (config files remain)');
    expect(findPackage(db, 'broken')).toMatchObject({ installed: false, broken: true });
    expect(describeStatus(findPackage(db, 'broken'))).toBe('half-configured');
    expect(findPackage(db, 'nginx')).toBeUndefined();
    expect(describeStatus(undefined)).toBe('absent');
    // indexed by name:arch too
    expect(findPackage(db, 'hello:all')?.version).toBe('2.10-3');
  });

  it('runs dpkg-query once while the status file is unchanged and again after it changes', async () => {
    await writeDpkgStatus(dir, [{ name: 'hello', version: '1' }]);
    const { runner, calls } = counting();
    const root = new RootPath(dir);
    await readDpkgDatabase(root, runner);
    await readDpkgDatabase(root, runner);
    await Promise.all([readDpkgDatabase(root, runner), readDpkgDatabase(root, runner)]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual(expect.arrayContaining(['dpkg-query', `--admindir=${dir}/var/lib/dpkg`, '-W']));
    await writeDpkgStatus(dir, [
      { name: 'hello', version: '2' },
      { name: 'extra', version: '1' },
    ]);
    const db = await readDpkgDatabase(root, runner);
    expect(calls).toHaveLength(2);
    expect(findPackage(db, 'hello')?.version).toBe('2');
  });

  it('queries again when dpkg journals a change into updates/ without rewriting status', async () => {
    await writeDpkgStatus(dir, [{ name: 'hello', version: '1' }]);
    const { runner, calls } = counting();
    const root = new RootPath(dir);
    await readDpkgDatabase(root, runner);
    await new Promise((r) => setTimeout(r, 5));
    await fs.writeFile(path.join(dir, 'var/lib/dpkg/updates/0001'), '');
    await readDpkgDatabase(root, runner);
    expect(calls).toHaveLength(2);
  });

  it('reports a root without a dpkg database as unavailable and runs nothing', async () => {
    const { runner, calls } = counting();
    const db = await readDpkgDatabase(new RootPath(dir), runner);
    expect(db.available).toBe(false);
    expect(db.packages.size).toBe(0);
    expect(calls).toEqual([]);
  });

  it('throws a HostError naming the database when dpkg-query fails, and does not cache the failure', async () => {
    await writeDpkgStatus(dir, [{ name: 'hello', version: '1' }]);
    let fail = true;
    const runner: ProcessRunner = async (command, options) =>
      fail
        ? {
            command,
            exitCode: 2,
            signal: null,
            stdout: '',
            stderr: 'dpkg-query: boom',
            truncated: false,
            timedOut: false,
            durationMs: 1,
          }
        : spawnRunner(command, options);
    const root = new RootPath(dir);
    await expect(readDpkgDatabase(root, runner)).rejects.toThrow(/dpkg-query --admindir=.*boom/);
    fail = false;
    expect(findPackage(await readDpkgDatabase(root, runner), 'hello')?.installed).toBe(true);
  });

  it('prefers the installed architecture of a multi-arch package under its bare name', () => {
    const map = parseDpkgQuery('libfoo\t1.0\trc \ti386\nlibfoo\t1.0\tii \tamd64\n\n');
    expect(map.get('libfoo')?.architecture).toBe('amd64');
    expect(map.get('libfoo:i386')?.installed).toBe(false);
    expect(map.get('libfoo:amd64')?.installed).toBe(true);
  });
});
