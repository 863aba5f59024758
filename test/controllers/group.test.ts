import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GroupObserved, groupController } from '../../controllers/group-controller.js';
import { type GroupSpec, groupSchema } from '../../controllers/group-schema.js';
import { spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { systemTools } from '../../src/tools/system-tools.js';
import type { Tool, ToolContext } from '../../src/tools/tool.js';
import { TOOL } from '../../src/tools/tool-args.js';
import { makeAccountsRoot, readEtc } from '../host/users-root.js';

const spec = (raw: Record<string, unknown>): GroupSpec => groupSchema.parse(raw);
const at = (gid: number): GroupObserved => ({ exists: true, group: { name: 'devs', gid, members: [] } });
const plan = (s: GroupSpec, o: GroupObserved) => groupController.plan(groupController.diff(s, o), s, o);
const tool = (name: string): Tool => systemTools.find((t) => t.name === name) as Tool;

describe('group diff and plan', () => {
  it('creates a missing group with its gid and system flag', () => {
    expect(plan(spec({ name: 'devs', gid: 2000, system: true }), { exists: false })).toEqual([
      {
        tool: TOOL.groupAdd,
        args: { name: 'devs', gid: 2000, system: true },
        resource: 'group:devs',
        reason: 'group devs does not exist',
      },
    ]);
  });

  it('changes a wrong gid and ignores the gid when none is declared', () => {
    expect(plan(spec({ name: 'devs', gid: 2000 }), at(2999))).toEqual([
      {
        tool: TOOL.groupModify,
        args: { name: 'devs', gid: 2000 },
        resource: 'group:devs',
        reason: 'group devs has gid 2999, should be 2000',
      },
    ]);
    expect(groupController.diff(spec({ name: 'devs' }), at(2999))).toEqual([]);
  });

  it('removes a group that should be absent', () => {
    expect(plan(spec({ name: 'devs', state: 'absent' }), at(2000))[0]?.tool).toBe(TOOL.groupRemove);
    expect(groupController.diff(spec({ name: 'devs', state: 'absent' }), { exists: false })).toEqual([]);
  });

  it('rejects a negative gid and unknown keys', () => {
    expect(groupSchema.safeParse({ name: 'devs', gid: -1 }).success).toBe(false);
    expect(groupSchema.safeParse({ name: 'devs', members: ['a'] }).success).toBe(false);
  });
});

describe('group tools against a temp root', () => {
  let dir: string;
  let ctx: ToolContext;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aios-grouptool-'));
    await makeAccountsRoot(dir);
    ctx = { root: new RootPath(dir), runner: spawnRunner, sandbox: false };
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('group_add, group_modify and group_remove change the root’s group file and say so', async () => {
    expect(await tool(TOOL.groupAdd).run({ name: 'devs', gid: 2000 }, ctx)).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(await readEtc(dir, 'group')).toContain('devs:x:2000:');
    expect(await tool(TOOL.groupModify).run({ name: 'devs', gid: 2100 }, ctx)).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(await readEtc(dir, 'group')).toContain('devs:x:2100:');
    const clash = await tool(TOOL.groupAdd).run({ name: 'other', gid: 2100 }, ctx);
    expect(clash).toMatchObject({ ok: false, changed: false });
    expect(clash.stderr).toContain("GID '2100' already exists");
    expect(await tool(TOOL.groupRemove).run({ name: 'devs' }, ctx)).toMatchObject({
      ok: true,
      changed: true,
    });
    expect((await readEtc(dir, 'group')).some((l) => l.startsWith('devs:'))).toBe(false);
  });
});
