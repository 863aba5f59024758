import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directoryController, unmanagedEntries } from '../../controllers/directory-controller.js';
import { directorySchema } from '../../controllers/directory-schema.js';
import { spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { applyActions, makeTempDirs, planResource, toolContext } from './conformance.js';

let dirs: Awaited<ReturnType<typeof makeTempDirs>>;
const real = (p: string) => path.join(dirs.root, p);
const ctx = () => ({ root: new RootPath(dirs.root), runner: spawnRunner, specDir: dirs.specDir });
const plan = (raw: Record<string, unknown>) =>
  planResource(directoryController, directorySchema.parse(raw), ctx());

beforeEach(async () => {
  dirs = await makeTempDirs('aios-dir-');
});
afterEach(() => fs.rm(dirs.base, { recursive: true, force: true }));

describe('unmanagedEntries', () => {
  it('keeps entries that are declared or hold something declared deeper down', () => {
    expect(
      unmanagedEntries(
        '/etc/x',
        ['a', 'b', 'c', 'sub'],
        ['/etc/x/a', '/etc/x/sub/deep/f', '/etc/xy/b', '/other/c'],
      ),
    ).toEqual(['b', 'c']);
  });

  it('works for the root directory itself', () => {
    expect(unmanagedEntries('/', ['etc', 'tmp'], ['/etc/motd'])).toEqual(['tmp']);
  });
});

describe('directory diff and plan', () => {
  it('creates a missing directory with its parents, mode and owner in one mkdir', async () => {
    const { changes, actions } = await plan({ path: '/srv/a/b', mode: '0700', owner: 0 });
    expect(changes).toEqual([
      { field: 'state', before: 'absent', after: 'present' },
      { field: 'mode', before: null, after: '0700' },
      { field: 'owner', before: null, after: '0' },
    ]);
    expect(actions).toEqual([
      {
        tool: 'mkdir',
        args: { path: '/srv/a/b', parents: true, mode: '0700', owner: '0' },
        resource: 'directory:/srv/a/b',
        reason: 'create the directory',
      },
    ]);
  });

  it('plans only a chmod when only the mode differs', async () => {
    await fs.mkdir(real('srv'), { mode: 0o755 });
    await fs.chmod(real('srv'), 0o755);
    const { actions } = await plan({ path: '/srv', mode: '0750' });
    expect(actions).toEqual([
      {
        tool: 'chmod',
        args: { path: '/srv', mode: '0750' },
        resource: 'directory:/srv',
        reason: 'set the mode',
      },
    ]);
  });

  it('purges every entry, sorted, when nothing inside is declared', async () => {
    await fs.mkdir(real('etc/x/sub'), { recursive: true });
    await fs.writeFile(real('etc/x/b'), '');
    await fs.symlink('/nowhere', real('etc/x/a-link'));
    const { changes, actions } = await plan({ path: '/etc/x', purge: true });
    expect(changes).toEqual([
      { field: 'purge', before: ['/etc/x/a-link', '/etc/x/b', '/etc/x/sub'], after: [] },
    ]);
    expect(actions.map((a) => a.args)).toEqual([
      { path: '/etc/x/a-link', recursive: true },
      { path: '/etc/x/b', recursive: true },
      { path: '/etc/x/sub', recursive: true },
    ]);
  });

  it('does not list the directory when purge is off', async () => {
    await fs.mkdir(real('etc/x'), { recursive: true });
    await fs.writeFile(real('etc/x/b'), '');
    const { observed, changes } = await plan({ path: '/etc/x' });
    expect((observed as { entries?: string[] }).entries).toBeUndefined();
    expect(changes).toEqual([]);
  });

  it('removes only an empty directory for state = absent unless force is set', async () => {
    await fs.mkdir(real('var/old/x'), { recursive: true });
    const soft = await plan({ path: '/var/old', state: 'absent' });
    expect(soft.actions[0]?.args).toEqual({ path: '/var/old' });
    await expect(applyActions(soft.actions, toolContext(dirs.root))).rejects.toThrow(/not empty/);
    expect((await fs.stat(real('var/old/x'))).isDirectory()).toBe(true);
    const hard = await plan({ path: '/var/old', state: 'absent', force: true });
    expect(hard.actions[0]?.args).toEqual({ path: '/var/old', recursive: true });
  });

  it('leaves a regular file alone when a directory of that name should be absent', async () => {
    await fs.mkdir(real('var'));
    await fs.writeFile(real('var/thing'), 'x');
    expect((await plan({ path: '/var/thing', state: 'absent' })).changes).toEqual([]);
  });

  it('replaces a file standing where the directory should be, never recursively', async () => {
    await fs.mkdir(real('srv'));
    await fs.writeFile(real('srv/data'), 'x');
    const { changes, actions } = await plan({ path: '/srv/data' });
    expect(changes).toEqual([{ field: 'type', before: 'file', after: 'directory' }]);
    expect(actions.map((a) => [a.tool, a.args])).toEqual([
      ['remove', { path: '/srv/data' }],
      ['mkdir', { path: '/srv/data', parents: true }],
    ]);
  });

  it('treats a link to a directory as that directory, as mkdir and chmod do', async () => {
    await fs.mkdir(real('data/real'), { recursive: true });
    await fs.symlink('/data/real', real('data/link'));
    expect((await plan({ path: '/data/link' })).changes).toEqual([]);
  });

  it('refuses to purge or force-remove / and top-level directories', () => {
    const issues = (raw: Record<string, unknown>) =>
      (directorySchema.safeParse(raw).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ path: '/etc', purge: true })).toEqual([
      'purge: purging /etc would delete everything no resource declares there; purge a narrower directory',
    ]);
    expect(issues({ path: '/', purge: true })).toHaveLength(1);
    expect(issues({ path: '/usr', state: 'absent', force: true })).toEqual([
      'force: refusing to remove /usr and everything in it',
    ]);
    expect(issues({ path: '/etc/nginx/conf.d', purge: true })).toEqual([]);
  });

  it('requires its parent directory and owner', () => {
    const spec = directorySchema.parse({ path: '/srv/www', owner: 'www-data' });
    expect(directoryController.implicitRequires?.(spec)).toEqual(['directory:/srv', 'user:www-data']);
  });
});
