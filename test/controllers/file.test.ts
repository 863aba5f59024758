import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileController } from '../../controllers/file-controller.js';
import { type FileSpec, fileSchema } from '../../controllers/file-schema.js';
import { UserInputError } from '../../src/errors.js';
import { spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { applyActions, makeTempDirs, planResource, toolContext } from './conformance.js';

let dirs: Awaited<ReturnType<typeof makeTempDirs>>;
const real = (p: string) => path.join(dirs.root, p);
const ctx = () => ({ root: new RootPath(dirs.root), runner: spawnRunner, specDir: dirs.specDir });
const spec = (raw: Record<string, unknown>): FileSpec => fileSchema.parse(raw);
const plan = (raw: Record<string, unknown>) => planResource(fileController, spec(raw), ctx());

beforeEach(async () => {
  dirs = await makeTempDirs('aios-file-');
  await fs.mkdir(real('etc'));
});
afterEach(() => fs.rm(dirs.base, { recursive: true, force: true }));

describe('file schema', () => {
  const problems = (raw: Record<string, unknown>) =>
    (fileSchema.safeParse(raw).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

  it('normalizes the path and the mode so ids do not depend on spelling', () => {
    const s = spec({ path: '/etc//motd/', content: 'x', mode: '644' });
    expect([s.path, s.mode, fileController.name(s)]).toEqual(['/etc/motd', '0644', '/etc/motd']);
  });

  it('refuses content and source together, integer modes, relative paths and validate without %s', () => {
    expect(problems({ path: '/etc/a', content: 'x', source: 'a' })).toEqual([
      'source: give either content or source, not both',
    ]);
    expect(problems({ path: '/etc/a', mode: 644 })[0]).toMatch(/^mode: .*octal mode string/);
    expect(problems({ path: 'etc/a' })[0]).toMatch(/^path: must be an absolute path/);
    expect(problems({ path: '/etc/a', validate: 'nginx -t' })[0]).toMatch(/^validate: must contain %s/);
    expect(problems({ path: '/etc/a', colour: 'red' })[0]).toMatch(/colour/);
  });

  it('refuses an absent file with content', () => {
    expect(problems({ path: '/etc/a', state: 'absent', content: 'x' })).toEqual([
      'state: an absent file cannot have content or source',
    ]);
  });
});

describe('file diff and plan', () => {
  it('shows a unified diff of the contents that changed', async () => {
    await fs.writeFile(real('etc/motd'), 'one\ntwo\nthree\n');
    const { changes, actions } = await plan({ path: '/etc/motd', content: 'one\nTWO\nthree\n' });
    expect(changes.map((c) => c.field)).toEqual(['content']);
    const diff = String(changes[0]?.diff);
    expect(diff.startsWith('--- a/etc/motd\n+++ b/etc/motd\n@@ -1,3 +1,3 @@\n')).toBe(true);
    expect(diff).toContain('-two\n+TWO\n');
    expect(actions).toEqual([
      {
        tool: 'write_file',
        args: { path: '/etc/motd', content: 'one\nTWO\nthree\n' },
        resource: 'file:/etc/motd',
        reason: 'update the contents',
      },
    ]);
  });

  it('marks a missing final newline in the diff', async () => {
    await fs.writeFile(real('etc/motd'), 'hello\n');
    const { changes } = await plan({ path: '/etc/motd', content: 'hello' });
    expect(changes[0]?.diff).toContain('-hello\n+hello\n\\ No newline at end of file');
  });

  it('replaces a fifo standing where the file should be', async () => {
    expect((await spawnRunner(['mkfifo', real('etc/pipe')])).exitCode).toBe(0);
    const { changes, actions } = await plan({ path: '/etc/pipe', content: 'now a file\n' });
    expect(changes[0]).toEqual({ field: 'type', before: 'other', after: 'file' });
    await applyActions(actions, toolContext(dirs.root));
    expect(await fs.readFile(real('etc/pipe'), 'utf8')).toBe('now a file\n');
  });

  it('detects a change that keeps the size the same', async () => {
    await fs.writeFile(real('etc/motd'), 'abc\n');
    const { changes } = await plan({ path: '/etc/motd', content: 'abd\n' });
    expect(changes.map((c) => c.field)).toEqual(['content']);
  });

  it('never leaks sensitive contents into changes, diffs or the observed state', async () => {
    await fs.writeFile(real('etc/secret.env'), 'TOKEN=old-secret-value\n');
    const { observed, changes, actions } = await plan({
      path: '/etc/secret.env',
      content: 'TOKEN=new-secret-value\n',
      sensitive: true,
    });
    const shown = JSON.stringify({ observed, changes });
    expect(shown).not.toContain('secret-value');
    expect(changes).toEqual([
      { field: 'content', before: '(sensitive)', after: '(sensitive)', diff: '(sensitive: content differs)' },
    ]);
    // Only the write itself carries the value, marked so that every output redacts it.
    expect(actions).toHaveLength(1);
    expect(actions[0]?.sensitive).toBe(true);
    expect(actions[0]?.args.content).toBe('TOKEN=new-secret-value\n');
  });

  it('hides sensitive contents of a file that does not exist yet, and of a sensitive source', async () => {
    await fs.writeFile(path.join(dirs.specDir, 'key.pem'), 'PRIVATE KEY MATERIAL\n');
    const { changes } = await plan({ path: '/etc/key.pem', source: 'key.pem', sensitive: true });
    expect(JSON.stringify(changes)).not.toContain('PRIVATE');
    expect(changes).toContainEqual({ field: 'state', before: 'absent', after: 'present' });
    expect(changes).toContainEqual({
      field: 'content',
      before: null,
      after: '(sensitive)',
      diff: '(sensitive: content differs)',
    });
  });

  it('plans a chmod alone when only the mode differs', async () => {
    await fs.writeFile(real('etc/motd'), 'hi\n', { mode: 0o600 });
    await fs.chmod(real('etc/motd'), 0o600);
    const { changes, actions } = await plan({ path: '/etc/motd', content: 'hi\n', mode: '0644' });
    expect(changes).toEqual([{ field: 'mode', before: '0600', after: '0644' }]);
    expect(actions).toEqual([
      {
        tool: 'chmod',
        args: { path: '/etc/motd', mode: '0644' },
        resource: 'file:/etc/motd',
        reason: 'set the mode',
      },
    ]);
  });

  it('manages metadata only when no content is given, creating a missing file empty', async () => {
    const created = await plan({ path: '/etc/flag', mode: '0600' });
    expect(created.actions).toEqual([
      {
        tool: 'write_file',
        args: { path: '/etc/flag', content: '', mode: '0600' },
        resource: 'file:/etc/flag',
        reason: 'create the file',
      },
    ]);
    await fs.writeFile(real('etc/flag'), 'kept as is\n', { mode: 0o600 });
    await fs.chmod(real('etc/flag'), 0o600);
    expect((await plan({ path: '/etc/flag', mode: '0600' })).changes).toEqual([]);
  });

  it('removes the file for state = absent and does nothing when it is already gone', async () => {
    expect((await plan({ path: '/etc/old', state: 'absent' })).changes).toEqual([]);
    await fs.writeFile(real('etc/old'), 'x');
    const { changes, actions } = await plan({ path: '/etc/old', state: 'absent' });
    expect(changes).toEqual([{ field: 'state', before: 'present', after: 'absent' }]);
    expect(actions).toEqual([
      { tool: 'remove', args: { path: '/etc/old' }, resource: 'file:/etc/old', reason: 'state = absent' },
    ]);
  });

  it("resolves an owner name through the root's /etc/passwd, not the machine's", async () => {
    await fs.writeFile(real('etc/passwd'), 'root:x:0:0::/root:/bin/sh\nweb:x:4321:4321::/srv:/bin/false\n');
    await fs.writeFile(real('etc/group'), 'root:x:0:\nweb:x:4321:\n');
    await fs.writeFile(real('etc/site'), 'x');
    await fs.chown(real('etc/site'), 0, 0);
    const { changes, actions } = await plan({ path: '/etc/site', owner: 'web', group: 'web' });
    expect(changes).toEqual([
      { field: 'owner', before: 'root', after: 'web' },
      { field: 'group', before: 'root', after: 'web' },
    ]);
    expect(actions).toEqual([
      {
        tool: 'chown',
        args: { path: '/etc/site', owner: 'web', group: 'web' },
        resource: 'file:/etc/site',
        reason: 'set the owner/group',
      },
    ]);
    await fs.chown(real('etc/site'), 4321, 4321);
    expect((await plan({ path: '/etc/site', owner: 'web', group: '4321' })).changes).toEqual([]);
  });

  it("sees a user added to the root's /etc/passwd after an earlier observe", async () => {
    await fs.writeFile(real('etc/passwd'), 'root:x:0:0::/root:/bin/sh\n');
    await fs.writeFile(real('etc/site'), 'x');
    await fs.chown(real('etc/site'), 4321, 0);
    const root = new RootPath(dirs.root);
    const observe = () =>
      planResource(fileController, spec({ path: '/etc/site', owner: 'web' }), { ...ctx(), root });
    expect((await observe()).changes).toEqual([{ field: 'owner', before: '4321', after: 'web' }]);
    await fs.writeFile(
      real('etc/passwd.new'),
      'root:x:0:0::/root:/bin/sh\nweb:x:4321:4321::/srv:/bin/false\n',
    );
    await fs.rename(real('etc/passwd.new'), real('etc/passwd')); // as useradd does
    expect((await observe()).changes).toEqual([]);
  });

  it('reports an owner that does not exist yet as a change instead of failing observe', async () => {
    await fs.writeFile(real('etc/site'), 'x');
    const { changes } = await plan({ path: '/etc/site', owner: 'not-created-yet' });
    expect(changes).toEqual([{ field: 'owner', before: expect.any(String), after: 'not-created-yet' }]);
  });

  it('passes validate to write_file so the command checks the temp file before it replaces anything', async () => {
    const { actions } = await plan({
      path: '/etc/nginx.conf',
      content: 'events {}\n',
      validate: 'nginx -t -c %s',
    });
    expect(actions[0]?.args).toMatchObject({ validate: 'nginx -t -c %s' });
  });

  it('keeps the old file when validate fails', async () => {
    await fs.writeFile(real('etc/app.conf'), 'good\n');
    const { actions } = await plan({ path: '/etc/app.conf', content: 'bad\n', validate: 'grep -q good %s' });
    await expect(applyActions(actions, toolContext(dirs.root))).rejects.toThrow();
    expect(await fs.readFile(real('etc/app.conf'), 'utf8')).toBe('good\n');
  });

  it('reads a relative source from the spec directory and an absolute one as is', async () => {
    await fs.writeFile(path.join(dirs.specDir, 'motd'), 'from source\n');
    const rel = await plan({ path: '/etc/motd', source: 'motd' });
    expect(rel.actions[0]?.args.content).toBe('from source\n');
    const abs = await plan({ path: '/etc/motd', source: path.join(dirs.specDir, 'motd') });
    expect(abs.actions[0]?.args.content).toBe('from source\n');
  });

  it('fails observe with an input error for a missing or binary source', async () => {
    await expect(plan({ path: '/etc/motd', source: 'nope' })).rejects.toBeInstanceOf(UserInputError);
    await fs.writeFile(path.join(dirs.specDir, 'blob'), Buffer.from([0xff, 0xfe, 0x00, 0x80]));
    await expect(plan({ path: '/etc/motd', source: 'blob' })).rejects.toThrow(/not UTF-8/);
  });

  it('removes an empty directory standing where the file should be, then writes the file', async () => {
    await fs.mkdir(real('etc/motd'));
    const { changes, actions } = await plan({ path: '/etc/motd', content: 'x\n' });
    expect(changes[0]).toEqual({ field: 'type', before: 'directory', after: 'file' });
    expect(actions.map((a) => a.tool)).toEqual(['remove', 'write_file']);
    expect(actions[0]?.args).toEqual({ path: '/etc/motd' }); // never recursive
    await applyActions(actions, toolContext(dirs.root));
    expect(await fs.readFile(real('etc/motd'), 'utf8')).toBe('x\n');
  });

  it('writes through a symlink inside the root, as the tools do, and converges', async () => {
    await fs.writeFile(real('etc/real.conf'), 'old\n');
    await fs.symlink('/etc/real.conf', real('etc/link.conf'));
    const first = await plan({ path: '/etc/link.conf', content: 'new\n' });
    await applyActions(first.actions, toolContext(dirs.root));
    expect(await fs.readFile(real('etc/real.conf'), 'utf8')).toBe('new\n');
    expect((await fs.lstat(real('etc/link.conf'))).isSymbolicLink()).toBe(true);
    expect((await plan({ path: '/etc/link.conf', content: 'new\n' })).changes).toEqual([]);
  });

  it("interprets a link in a parent directory inside the root, never as the machine's path", async () => {
    // root/conf -> /etc: followed by the kernel this would be the machine's own /etc.
    await fs.writeFile(real('etc/hostname'), 'inside-the-root\n');
    await fs.symlink('/etc', real('conf'));
    const { changes } = await plan({ path: '/conf/hostname', content: 'inside-the-root\n' });
    expect(changes).toEqual([]);
    const other = await plan({ path: '/conf/hostname', content: 'changed\n' });
    expect(other.changes[0]?.diff).toContain('-inside-the-root');
  });

  it('observes the real root read-only when the root is /', async () => {
    const passwd = await fs.readFile('/etc/passwd', 'utf8');
    const host = { root: new RootPath('/'), runner: spawnRunner, specDir: dirs.specDir };
    const same = await planResource(fileController, spec({ path: '/etc/passwd', content: passwd }), host);
    expect(same.changes).toEqual([]);
    const other = await planResource(
      fileController,
      spec({ path: '/etc/passwd', content: `${passwd}x` }),
      host,
    );
    expect(other.changes.map((c) => c.field)).toEqual(['content']);
  });

  it('summarizes instead of diffing a large or binary file', async () => {
    await fs.writeFile(real('etc/big'), 'a'.repeat(300 * 1024));
    const big = await plan({ path: '/etc/big', content: 'small\n' });
    expect(big.changes[0]?.diff).toMatch(
      /^\(content differs: 307200 bytes → 6 bytes, sha256:[0-9a-f]{12}\)$/,
    );
    await fs.writeFile(real('etc/bin'), Buffer.from('ab\u0000cd'));
    const bin = await plan({ path: '/etc/bin', content: 'text\n' });
    expect(bin.changes[0]?.diff).toMatch(/binary/);
  });

  it('requires every ancestor directory, a named owner and group, never numeric ids', () => {
    expect(
      fileController.implicitRequires?.(spec({ path: '/etc/app/a.conf', owner: 'app', group: 'staff' })),
    ).toEqual(['directory:/etc/app', 'directory:/etc', 'user:app', 'group:staff']);
    expect(fileController.implicitRequires?.(spec({ path: '/motd', owner: 0 }))).toEqual([]);
    expect(fileController.watchPaths?.(spec({ path: '/etc/motd' }))).toEqual(['/etc/motd']);
  });
});
