import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executeAction } from '../../src/tools/execute.js';
import { createBuiltinRegistry } from '../../src/tools/registry.js';
import type { ToolResult } from '../../src/tools/tool.js';
import { makeTempRoot, type TempRoot } from './tool-fixture.js';

let t: TempRoot;
const registry = createBuiltinRegistry();
const call = (tool: string, args: Record<string, unknown>): Promise<ToolResult> =>
  executeAction(registry, { tool, args, reason: 'test' }, t.ctx);

beforeEach(() => {
  t = makeTempRoot();
});
afterEach(() => t.cleanup());

describe('mkdir', () => {
  it('creates a directory with the exact mode despite the umask, and owner/group by name', async () => {
    const old = process.umask(0o077);
    try {
      const r = await call('mkdir', {
        path: '/srv/www',
        mode: '0775',
        owner: 'alice',
        group: 'web',
        parents: true,
      });
      expect(r).toMatchObject({ ok: true, changed: true });
    } finally {
      process.umask(old);
    }
    const st = fs.statSync(t.real('srv/www'));
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o775, 1234, 3456]);
    expect(fs.statSync(t.real('srv')).mode & 0o7777).toBe(0o755);
  });

  it('is a no-op on a directory that already matches, and fixes one that does not', async () => {
    fs.mkdirSync(t.real('data'));
    fs.chmodSync(t.real('data'), 0o700);
    expect(await call('mkdir', { path: '/data', mode: '0700' })).toMatchObject({ ok: true, changed: false });
    const r = await call('mkdir', { path: '/data', mode: '0750', group: '2345' });
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(r.output).toContain('mode 0700 -> 0750');
    expect(fs.statSync(t.real('data')).mode & 0o7777).toBe(0o750);
    expect(fs.statSync(t.real('data')).gid).toBe(2345);
  });

  it('needs parents: true for a missing parent, and refuses a path that is a file', async () => {
    const r = await call('mkdir', { path: '/a/b/c' });
    expect(r.ok).toBe(false);
    expect(r.output).toContain('parent directory does not exist: /a/b');
    fs.writeFileSync(t.real('etc/file'), '');
    const f = await call('mkdir', { path: '/etc/file' });
    expect(f.ok).toBe(false);
    expect(f.output).toContain('not a directory');
  });
});

describe('symlink', () => {
  it('creates a link, is a no-op when it already points right, and replaces it atomically otherwise', async () => {
    expect(await call('symlink', { path: '/etc/current', target: 'v1' })).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(fs.readlinkSync(t.real('etc/current'))).toBe('v1');
    expect(await call('symlink', { path: '/etc/current', target: 'v1' })).toMatchObject({ changed: false });
    const r = await call('symlink', { path: '/etc/current', target: '/opt/v2' });
    expect(r).toMatchObject({
      ok: true,
      changed: true,
      data: { previous: { type: 'symlink', target: 'v1' } },
    });
    expect(fs.readlinkSync(t.real('etc/current'))).toBe('/opt/v2');
    expect(fs.readdirSync(t.real('etc')).filter((n) => n.includes('aios-'))).toEqual([]);
  });

  it('replaces a regular file but refuses a directory', async () => {
    fs.writeFileSync(t.real('etc/was-file'), 'x');
    expect(await call('symlink', { path: '/etc/was-file', target: 'x' })).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(fs.lstatSync(t.real('etc/was-file')).isSymbolicLink()).toBe(true);
    fs.mkdirSync(t.real('etc/dir'));
    const r = await call('symlink', { path: '/etc/dir', target: 'x' });
    expect(r.ok).toBe(false);
    expect(r.output).toContain('is a directory');
    expect(fs.statSync(t.real('etc/dir')).isDirectory()).toBe(true);
  });
});

describe('chmod and chown', () => {
  it('sets a mode and reports whether it changed', async () => {
    fs.writeFileSync(t.real('etc/f'), '');
    fs.chmodSync(t.real('etc/f'), 0o644);
    expect(await call('chmod', { path: '/etc/f', mode: '0644' })).toMatchObject({ changed: false });
    expect(await call('chmod', { path: '/etc/f', mode: '2750' })).toMatchObject({ ok: true, changed: true });
    expect(fs.statSync(t.real('etc/f')).mode & 0o7777).toBe(0o2750);
  });

  it("resolves owner and group names against the root's files, numeric ids too", async () => {
    fs.writeFileSync(t.real('etc/f'), '');
    expect(await call('chown', { path: '/etc/f', owner: 'alice', group: 'staff' })).toMatchObject({
      changed: true,
    });
    expect([fs.statSync(t.real('etc/f')).uid, fs.statSync(t.real('etc/f')).gid]).toEqual([1234, 2345]);
    expect(await call('chown', { path: '/etc/f', owner: '1234' })).toMatchObject({ changed: false });
    expect(await call('chown', { path: '/etc/f', group: '0' })).toMatchObject({ changed: true });
    expect(fs.statSync(t.real('etc/f')).gid).toBe(0);
  });

  it('fails for an unknown name, a missing path, or no owner and no group', async () => {
    fs.writeFileSync(t.real('etc/f'), '');
    expect((await call('chown', { path: '/etc/f', owner: 'ghost' })).output).toContain(
      'unknown user "ghost"',
    );
    expect((await call('chown', { path: '/etc/none', owner: 'alice' })).output).toContain('no such file');
    expect((await call('chown', { path: '/etc/f' })).ok).toBe(false);
    expect((await call('chmod', { path: '/etc/none', mode: '0600' })).ok).toBe(false);
  });
});

describe('remove', () => {
  it('removes a link but never what it points to', async () => {
    fs.writeFileSync(t.real('etc/target'), 'keep');
    fs.symlinkSync('/etc/target', t.real('etc/l'));
    expect(await call('remove', { path: '/etc/l' })).toMatchObject({ ok: true, changed: true });
    expect(fs.existsSync(t.real('etc/l'))).toBe(false);
    expect(fs.readFileSync(t.real('etc/target'), 'utf8')).toBe('keep');
  });

  it('removes a tree only with recursive, and is a no-op for a missing path', async () => {
    fs.mkdirSync(t.real('var/cache/x'), { recursive: true });
    fs.writeFileSync(t.real('var/cache/x/f'), '');
    const no = await call('remove', { path: '/var/cache' });
    expect(no.ok).toBe(false);
    expect(no.output).toContain('directory not empty');
    expect(fs.existsSync(t.real('var/cache/x/f'))).toBe(true);
    expect(await call('remove', { path: '/var/cache', recursive: true })).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(fs.existsSync(t.real('var/cache'))).toBe(false);
    expect(await call('remove', { path: '/var/cache' })).toMatchObject({ ok: true, changed: false });
  });

  it('refuses to remove a tree that holds a mount point, and removes nothing of it', async () => {
    fs.mkdirSync(t.real('chroot/home'), { recursive: true });
    fs.writeFileSync(t.real('chroot/keep'), 'x');
    const mounted = spawnSync('mount', ['-t', 'tmpfs', 'none', t.real('chroot/home')]).status === 0;
    if (!mounted) {
      console.log('SKIPPED mount-point test: cannot mount a tmpfs here');
      return;
    }
    try {
      fs.writeFileSync(t.real('chroot/home/precious'), 'data');
      const r = await call('remove', { path: '/chroot', recursive: true });
      expect(r.ok).toBe(false);
      expect(r.output).toContain('/chroot/home is a mount point inside it');
      expect(fs.readFileSync(t.real('chroot/home/precious'), 'utf8')).toBe('data');
      expect(fs.existsSync(t.real('chroot/keep'))).toBe(true);
    } finally {
      spawnSync('umount', [t.real('chroot/home')]);
    }
  });

  it('refuses to remove the root itself', async () => {
    const r = await call('remove', { path: '/', recursive: true });
    expect(r.ok).toBe(false);
    expect(r.output).toContain('refusing to remove the root');
    expect(fs.existsSync(t.real('etc/passwd'))).toBe(true);
  });
});
