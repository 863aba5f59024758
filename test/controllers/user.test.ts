import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type UserObserved, userController } from '../../controllers/user-controller.js';
import { type UserSpec, userSchema } from '../../controllers/user-schema.js';
import { spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import type { ObservedUser } from '../../src/host/users.js';
import { systemTools } from '../../src/tools/system-tools.js';
import type { Tool, ToolContext } from '../../src/tools/tool.js';
import { userArgs } from '../../src/tools/tool-arg-schemas.js';
import { TOOL } from '../../src/tools/tool-args.js';
import { makeAccountsRoot, readEtc } from '../host/users-root.js';

const spec = (raw: Record<string, unknown>): UserSpec => userSchema.parse(raw);
const alice: ObservedUser = {
  name: 'alice',
  uid: 1500,
  gid: 2000,
  group: 'devs',
  groups: ['ops', 'users'],
  home: '/home/alice',
  shell: '/bin/bash',
  comment: 'Alice',
};
const present = (o: Partial<ObservedUser> = {}): UserObserved => ({ exists: true, user: { ...alice, ...o } });
const absent: UserObserved = { exists: false };
const plan = (s: UserSpec, o: UserObserved) => userController.plan(userController.diff(s, o), s, o);
const tool = (name: string): Tool => systemTools.find((t) => t.name === name) as Tool;

describe('user schema', () => {
  it('accepts a primary group by name, by numeric text, or as gid — but not group and gid together', () => {
    expect(spec({ name: 'alice', group: 'devs' }).group).toBe('devs');
    expect(spec({ name: 'alice', group: 2000 }).group).toBe('2000');
    expect(userSchema.safeParse({ name: 'alice', group: 'devs', gid: 2000 }).error?.issues[0]?.path).toEqual([
      'gid',
    ]);
  });

  it('rejects names that would be options and fields that would corrupt passwd', () => {
    expect(userSchema.safeParse({ name: '-o' }).success).toBe(false);
    expect(userSchema.safeParse({ name: 'a', comment: 'x:y' }).success).toBe(false);
    expect(userSchema.safeParse({ name: 'a', home: 'relative' }).success).toBe(false);
  });
});

describe('user diff and plan', () => {
  const full = spec({
    name: 'alice',
    uid: 1500,
    group: 'devs',
    groups: ['users', 'ops'],
    home: '/home/alice',
    shell: '/bin/bash',
    comment: 'Alice',
    system: true,
    create_home: true,
  });

  it('creates a missing user with every declared field in one valid user_add', () => {
    const actions = plan(full, absent);
    expect(actions).toEqual([
      {
        tool: TOOL.userAdd,
        args: {
          name: 'alice',
          uid: 1500,
          gid: 'devs',
          groups: ['ops', 'users'],
          home: '/home/alice',
          shell: '/bin/bash',
          comment: 'Alice',
          system: true,
          create_home: true,
        },
        resource: 'user:alice',
        reason: 'user alice does not exist',
      },
    ]);
    expect(userArgs.safeParse(actions[0]?.args).success).toBe(true);
  });

  it('is converged when every declared field matches, whatever the order of groups', () => {
    expect(userController.diff(full, present({ groups: ['users', 'ops'] }))).toEqual([]);
    // Undeclared fields are not managed.
    expect(userController.diff(spec({ name: 'alice' }), present({ shell: '/bin/zsh' }))).toEqual([]);
  });

  it('modifies only the fields that differ', () => {
    const o = present({ shell: '/bin/sh', groups: ['ops'], gid: 2001, group: 'staff' });
    expect(userController.diff(full, o).map((c) => c.field)).toEqual(['group', 'groups', 'shell']);
    expect(plan(full, o)).toEqual([
      {
        tool: TOOL.userModify,
        args: { name: 'alice', gid: 'devs', groups: ['ops', 'users'], shell: '/bin/bash' },
        resource: 'user:alice',
        reason: 'user alice differs in group, groups, shell',
      },
    ]);
  });

  it('compares a numeric primary group by gid', () => {
    const s = spec({ name: 'alice', gid: 2000 });
    expect(userController.diff(s, present())).toEqual([]);
    expect(plan(s, present({ gid: 100, group: 'users' }))[0]?.args).toEqual({ name: 'alice', gid: 2000 });
    expect(userController.diff(spec({ name: 'alice', group: '2000' }), present())).toEqual([]);
  });

  it('removes a user that should be absent and does nothing when it already is', () => {
    const s = spec({ name: 'alice', state: 'absent' });
    expect(plan(s, present())).toEqual([
      {
        tool: TOOL.userRemove,
        args: { name: 'alice' },
        resource: 'user:alice',
        reason: 'user alice should be absent',
      },
    ]);
    expect(userController.diff(s, absent)).toEqual([]);
  });

  it('requires its primary and supplementary groups when they are named', () => {
    expect(userController.implicitRequires?.(full)).toEqual(['group:devs', 'group:users', 'group:ops']);
    expect(userController.implicitRequires?.(spec({ name: 'a', gid: 100 }))).toEqual([]);
  });
});

describe('user tools against a temp root', () => {
  let dir: string;
  let ctx: ToolContext;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aios-usertool-'));
    ctx = { root: new RootPath(dir), runner: spawnRunner, sandbox: false };
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('user_add, user_modify and user_remove change the root’s passwd and say so', async () => {
    await makeAccountsRoot(dir);
    expect(await tool(TOOL.userAdd).run({ name: 'erin', uid: 1800, shell: '/bin/sh' }, ctx)).toMatchObject({
      ok: true,
      changed: true,
      exitCode: 0,
    });
    expect(await readEtc(dir, 'passwd')).toContain('erin:x:1800:1800::/home/erin:/bin/sh');
    expect(await tool(TOOL.userModify).run({ name: 'erin', shell: '/bin/sh' }, ctx)).toMatchObject({
      ok: true,
      changed: false,
    });
    expect(await tool(TOOL.userModify).run({ name: 'erin', comment: 'Erin' }, ctx)).toMatchObject({
      changed: true,
    });
    const dup = await tool(TOOL.userAdd).run({ name: 'erin' }, ctx);
    expect(dup).toMatchObject({ ok: false, changed: false, exitCode: 9 });
    expect(dup.stderr).toContain('already exists');
    expect(await tool(TOOL.userRemove).run({ name: 'erin' }, ctx)).toMatchObject({ ok: true, changed: true });
    expect((await readEtc(dir, 'passwd')).some((l) => l.startsWith('erin:'))).toBe(false);
  });

  it('user_add under a root without account files fails with the reason', async () => {
    const r = await tool(TOOL.userAdd).run({ name: 'erin' }, ctx);
    expect(r.ok).toBe(false);
    expect(r.output).toContain('it has no /etc/passwd');
  });

  it('all user and group tools declare the write effect', () => {
    const names = [
      TOOL.userAdd,
      TOOL.userModify,
      TOOL.userRemove,
      TOOL.groupAdd,
      TOOL.groupModify,
      TOOL.groupRemove,
    ];
    expect(names.map((n) => tool(n).effect)).toEqual(names.map(() => 'write'));
  });
});
