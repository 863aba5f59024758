import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { symlinkController } from '../../controllers/symlink-controller.js';
import { symlinkSchema } from '../../controllers/symlink-schema.js';
import { spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { applyActions, makeTempDirs, planResource, toolContext } from './conformance.js';

let dirs: Awaited<ReturnType<typeof makeTempDirs>>;
const real = (p: string) => path.join(dirs.root, p);
const ctx = () => ({ root: new RootPath(dirs.root), runner: spawnRunner, specDir: dirs.specDir });
const plan = (raw: Record<string, unknown>) =>
  planResource(symlinkController, symlinkSchema.parse(raw), ctx());

beforeEach(async () => {
  dirs = await makeTempDirs('aios-link-');
  await fs.mkdir(real('etc'));
});
afterEach(() => fs.rm(dirs.base, { recursive: true, force: true }));

describe('symlink diff and plan', () => {
  it('needs a target unless it is absent', () => {
    expect(symlinkSchema.safeParse({ path: '/etc/l' }).error?.issues[0]?.message).toBe(
      'a symlink needs a target',
    );
    expect(symlinkSchema.safeParse({ path: '/etc/l', state: 'absent' }).success).toBe(true);
  });

  it('retargets a link that points elsewhere, showing the old and new targets', async () => {
    await fs.symlink('/old/target', real('etc/l'));
    const { changes, actions } = await plan({ path: '/etc/l', target: '/new/target' });
    expect(changes).toEqual([{ field: 'target', before: '/old/target', after: '/new/target' }]);
    expect(actions).toEqual([
      {
        tool: 'symlink',
        args: { path: '/etc/l', target: '/new/target' },
        resource: 'symlink:/etc/l',
        reason: 'point the link at its target',
      },
    ]);
  });

  it('compares the target as written: a dangling link with the right value is converged', async () => {
    await fs.symlink('../does/not/exist', real('etc/l'));
    expect((await plan({ path: '/etc/l', target: '../does/not/exist' })).changes).toEqual([]);
  });

  it('is converged when absent and a regular file holds the path', async () => {
    await fs.writeFile(real('etc/l'), 'not a link');
    expect((await plan({ path: '/etc/l', state: 'absent' })).changes).toEqual([]);
  });

  it('refuses to replace a directory: the apply fails and the directory keeps its contents', async () => {
    await fs.mkdir(real('etc/d'));
    await fs.writeFile(real('etc/d/keep'), 'x');
    const { changes, actions } = await plan({ path: '/etc/d', target: '/elsewhere' });
    expect(changes[0]).toEqual({ field: 'type', before: 'directory', after: 'symlink' });
    await expect(applyActions(actions, toolContext(dirs.root))).rejects.toThrow(/is a directory/);
    expect(await fs.readFile(real('etc/d/keep'), 'utf8')).toBe('x');
  });

  it('requires its parent directory and watches its own path', () => {
    const spec = symlinkSchema.parse({ path: '/etc/nginx/sites-enabled/a', target: 'x' });
    expect(symlinkController.implicitRequires?.(spec)).toEqual([
      'directory:/etc/nginx/sites-enabled',
      'directory:/etc/nginx',
      'directory:/etc',
    ]);
    expect(symlinkController.watchPaths?.(spec)).toEqual(['/etc/nginx/sites-enabled/a']);
  });
});
