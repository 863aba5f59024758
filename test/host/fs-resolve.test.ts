import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveInRoot } from '../../src/host/fs-resolve.js';
import { RootPath } from '../../src/host/root-path.js';

let dir: string;
let root: RootPath;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-resolve-'));
  root = new RootPath(dir);
  fs.mkdirSync(path.join(dir, 'etc/conf.d'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'etc/conf.d/real.conf'), 'x');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('resolveInRoot', () => {
  it('maps a plain path under the root', async () => {
    expect(await resolveInRoot(root, '/etc/conf.d/real.conf', true)).toBe(
      path.join(dir, 'etc/conf.d/real.conf'),
    );
  });

  it('resolves an absolute link target inside the root, never on the machine', async () => {
    fs.symlinkSync('/etc/shadow', path.join(dir, 'etc/evil'));
    expect(await resolveInRoot(root, '/etc/evil', true)).toBe(path.join(dir, 'etc/shadow'));
  });

  it('stops `..` in a link target at the root', async () => {
    fs.symlinkSync('../../../../../../etc/passwd', path.join(dir, 'etc/conf.d/up'));
    expect(await resolveInRoot(root, '/etc/conf.d/up', true)).toBe(path.join(dir, 'etc/passwd'));
  });

  it('resolves links in parent directories and keeps a final link when not following it', async () => {
    fs.symlinkSync('/etc/conf.d', path.join(dir, 'etc/alias.d'));
    fs.symlinkSync('real.conf', path.join(dir, 'etc/conf.d/link.conf'));
    expect(await resolveInRoot(root, '/etc/alias.d/link.conf', false)).toBe(
      path.join(dir, 'etc/conf.d/link.conf'),
    );
    expect(await resolveInRoot(root, '/etc/alias.d/link.conf', true)).toBe(
      path.join(dir, 'etc/conf.d/real.conf'),
    );
  });

  it('follows a final link on the real root exactly as under --root', async () => {
    // Same layout used twice: through RootPath('/') with absolute temp paths, and as a --root.
    fs.writeFileSync(path.join(dir, 'target.conf'), 'x');
    fs.symlinkSync('target.conf', path.join(dir, 'link.conf'));
    const onHost = await resolveInRoot(new RootPath('/'), path.join(dir, 'link.conf'), true);
    expect(onHost).toBe(path.join(dir, 'target.conf'));
    expect(await resolveInRoot(new RootPath('/'), path.join(dir, 'link.conf'), false)).toBe(
      path.join(dir, 'link.conf'),
    );
  });

  it('gives the root itself without a trailing slash', async () => {
    expect(await resolveInRoot(root, '/', true)).toBe(dir);
    fs.symlinkSync('/', path.join(dir, 'etc/top'));
    expect(await resolveInRoot(root, '/etc/top', true)).toBe(dir);
  });

  it('keeps missing components as written', async () => {
    expect(await resolveInRoot(root, '/etc/new/dir/file', true)).toBe(path.join(dir, 'etc/new/dir/file'));
  });

  it('refuses a link loop', async () => {
    fs.symlinkSync('/etc/b', path.join(dir, 'etc/a'));
    fs.symlinkSync('/etc/a', path.join(dir, 'etc/b'));
    await expect(resolveInRoot(root, '/etc/a', true)).rejects.toThrow(/too many levels/);
  });

  it('refuses relative paths and clamps `..` in the input at the root', async () => {
    await expect(resolveInRoot(root, 'etc/x', true)).rejects.toThrow(/absolute/);
    expect(await resolveInRoot(root, '/etc/../../x', true)).toBe(path.join(dir, 'x'));
  });
});
