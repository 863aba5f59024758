import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ProcessRunner, spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import {
  addGroup,
  addUser,
  modifyGroup,
  modifyUser,
  observeGroup,
  observeUser,
  removeGroup,
  removeUser,
} from '../../src/host/users.js';
import { makeAccountsRoot, readEtc } from './users-root.js';

let dir: string;
let root: RootPath;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aios-users-'));
  root = new RootPath(dir);
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('users and groups with the real shadow tools under --root', () => {
  beforeEach(async () => {
    await makeAccountsRoot(dir);
  });

  it('creates a group and a user with every setting, touching only the root', async () => {
    const g = await addGroup(root, spawnRunner, 'devs', { gid: 2000 });
    expect(g).toMatchObject({ ok: true, changed: true });
    expect(g.command).toEqual(['groupadd', '--root', dir, '--gid', '2000', '--', 'devs']);
    const u = await addUser(root, spawnRunner, 'alice', {
      uid: 1500,
      gid: 'devs',
      groups: ['users', 'devs'],
      home: '/home/alice',
      shell: '/bin/sh',
      comment: 'Alice A',
      create_home: true,
    });
    expect(u.error?.message ?? '').toBe('');
    expect(u).toMatchObject({ ok: true, changed: true });
    expect(await readEtc(dir, 'passwd')).toContain('alice:x:1500:2000:Alice A:/home/alice:/bin/sh');
    expect(await readEtc(dir, 'group')).toEqual(
      expect.arrayContaining(['users:x:100:alice', 'devs:x:2000:alice']),
    );
    expect((await fs.stat(path.join(dir, 'home/alice/.profile'))).uid).toBe(1500);
    expect(await observeUser(root, 'alice')).toEqual({
      name: 'alice',
      uid: 1500,
      gid: 2000,
      group: 'devs',
      groups: ['devs', 'users'],
      home: '/home/alice',
      shell: '/bin/sh',
      comment: 'Alice A',
    });
  });

  it('creates a system user from the system range with its own group', async () => {
    const u = await addUser(root, spawnRunner, 'svc', { system: true, shell: '/usr/sbin/nologin' });
    expect(u).toMatchObject({ ok: true, changed: true });
    const svc = await observeUser(root, 'svc');
    expect(svc?.uid).toBeLessThan(1000);
    expect(svc?.group).toBe('svc');
  });

  it('modifies only the given fields, replaces supplementary groups, and reports a no-op truthfully', async () => {
    await addUser(root, spawnRunner, 'bob', { uid: 1600, groups: ['users'] });
    const m = await modifyUser(root, spawnRunner, 'bob', { shell: '/bin/bash', comment: 'Bob', groups: [] });
    expect(m).toMatchObject({ ok: true, changed: true });
    const bob = await observeUser(root, 'bob');
    expect(bob).toMatchObject({ uid: 1600, shell: '/bin/bash', comment: 'Bob', groups: [] });
    expect(await readEtc(dir, 'group')).toContain('users:x:100:');
    const again = await modifyUser(root, spawnRunner, 'bob', { shell: '/bin/bash' });
    expect(again).toMatchObject({ ok: true, changed: false });
  });

  it('changes a gid and removes users and groups', async () => {
    await addGroup(root, spawnRunner, 'ops', {});
    expect(await modifyGroup(root, spawnRunner, 'ops', { gid: 3000 })).toMatchObject({
      ok: true,
      changed: true,
    });
    expect((await observeGroup(root, 'ops'))?.gid).toBe(3000);
    await addUser(root, spawnRunner, 'carol', { gid: 'ops' });
    const blocked = await removeGroup(root, spawnRunner, 'ops');
    expect(blocked.ok).toBe(false);
    expect(blocked.stderr).toContain('primary group');
    expect(await removeUser(root, spawnRunner, 'carol')).toMatchObject({ ok: true, changed: true });
    expect(await observeUser(root, 'carol')).toBeUndefined();
    expect(await removeGroup(root, spawnRunner, 'ops')).toMatchObject({ ok: true, changed: true });
    expect(await observeGroup(root, 'ops')).toBeUndefined();
  });

  it('sees a same-size hand edit of passwd made right after a read', async () => {
    await addUser(root, spawnRunner, 'fay', { shell: '/bin/sh' });
    expect((await observeUser(root, 'fay'))?.shell).toBe('/bin/sh');
    const p = path.join(dir, 'etc/passwd');
    await fs.writeFile(p, (await fs.readFile(p, 'utf8')).replace(':/bin/sh\n', ':/bin/zz\n'));
    expect((await observeUser(root, 'fay'))?.shell).toBe('/bin/zz');
  });

  it('fails to add a user to a group the root does not have, changing nothing', async () => {
    const before = await readEtc(dir, 'passwd');
    const out = await addUser(root, spawnRunner, 'gil', { groups: ['nosuch'] });
    expect(out).toMatchObject({ ok: false, changed: false });
    expect(out.stderr).toContain("group 'nosuch' does not exist");
    expect(await readEtc(dir, 'passwd')).toEqual(before);
  });

  it('serialises concurrent changes to one root so each reports only its own effect', async () => {
    const adds = await Promise.all([
      addUser(root, spawnRunner, 'hal', {}),
      addUser(root, spawnRunner, 'hal', {}),
      addGroup(root, spawnRunner, 'g1', {}),
      addGroup(root, spawnRunner, 'g2', {}),
    ]);
    const hal = adds.slice(0, 2);
    expect(hal.filter((o) => o.ok && o.changed)).toHaveLength(1);
    expect(hal.filter((o) => !o.ok && !o.changed)).toHaveLength(1);
    expect(adds.slice(2).map((o) => [o.ok, o.changed])).toEqual([
      [true, true],
      [true, true],
    ]);
    expect((await readEtc(dir, 'passwd')).filter((l) => l.startsWith('hal:'))).toHaveLength(1);
  });

  it('reports a failing tool with its exit code and stderr', async () => {
    await addUser(root, spawnRunner, 'dave', {});
    const dup = await addUser(root, spawnRunner, 'dave', {});
    expect(dup.ok).toBe(false);
    expect(dup.exitCode).toBe(9);
    expect(dup.changed).toBe(false);
    expect(dup.stderr).toContain('already exists');
  });
});

describe('refusals before anything runs', () => {
  const never: ProcessRunner = async (command) => {
    throw new Error(`must not run ${command.join(' ')}`);
  };

  it('refuses a root without /etc/passwd', async () => {
    const out = await addUser(root, never, 'alice', {});
    expect(out.ok).toBe(false);
    expect(out.error?.message).toContain(`under root ${dir}: it has no /etc/passwd`);
  });

  it('refuses names and fields that would be options or corrupt passwd', async () => {
    await makeAccountsRoot(dir);
    expect((await addUser(root, never, '-ofoo', {})).error?.message).toContain(
      'not a valid user or group name',
    );
    expect((await addUser(root, never, 'x', { gid: '--help' })).error?.message).toContain(
      'not a valid group name',
    );
    expect((await addUser(root, never, 'x', { comment: 'a:b' })).error?.message).toContain(
      'must not contain',
    );
    expect((await modifyUser(root, never, 'x', {})).error?.message).toContain('nothing to change');
    expect((await modifyGroup(root, never, 'x', {})).error?.message).toContain('nothing to change');
    expect(await readEtc(dir, 'passwd')).toEqual(['root:x:0:0:root:/root:/bin/bash']);
  });
});

// Opt-in: a real Debian tree (debootstrap) as the root, with its own login.defs and skel.
const debootstrapRoot = process.env.AIOS_TEST_DEBOOTSTRAP_ROOT;
describe.skipIf(!debootstrapRoot)('shadow tools on a debootstrap root (AIOS_TEST_DEBOOTSTRAP_ROOT)', () => {
  it('adds and removes a group and a user with the root’s own defaults', async () => {
    const r = new RootPath(debootstrapRoot as string);
    expect(await addGroup(r, spawnRunner, 'aiostestg', { gid: 4321 })).toMatchObject({
      ok: true,
      changed: true,
    });
    const u = await addUser(r, spawnRunner, 'aiostestu', { gid: 'aiostestg', create_home: true });
    expect(u.error?.message ?? '').toBe('');
    expect(await observeUser(r, 'aiostestu')).toMatchObject({
      gid: 4321,
      group: 'aiostestg',
      home: '/home/aiostestu',
    });
    // Debian's skel came along: the root's own defaults were used.
    expect(await fs.readFile(path.join(r.root, 'home/aiostestu/.bashrc'), 'utf8')).toContain('bash');
    expect(await removeUser(r, spawnRunner, 'aiostestu')).toMatchObject({ ok: true, changed: true });
    expect(await removeGroup(r, spawnRunner, 'aiostestg')).toMatchObject({ ok: true, changed: true });
    await fs.rm(path.join(r.root, 'home/aiostestu'), { recursive: true, force: true });
  });
});
