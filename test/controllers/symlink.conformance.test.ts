import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { runConformance } from './conformance.js';

runConformance({
  kind: 'symlink',
  title: 'a link to a relative target, retargeted by hand',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'etc/nginx/sites-enabled'), { recursive: true });
    await fs.mkdir(path.join(root, 'etc/nginx/sites-available'), { recursive: true });
  },
  spec: () => ({ path: '/etc/nginx/sites-enabled/site', target: '../sites-available/site' }),
  drift: async (root) => {
    const link = path.join(root, 'etc/nginx/sites-enabled/site');
    await fs.rm(link);
    await fs.symlink('/etc/elsewhere', link);
  },
  extraCheck: async (root) => {
    expect(await fs.readlink(path.join(root, 'etc/nginx/sites-enabled/site'))).toBe(
      '../sites-available/site',
    );
  },
});

runConformance({
  kind: 'symlink',
  title: 'an absolute target replacing a regular file put in its place',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
  },
  spec: () => ({ path: '/etc/localtime', target: '/usr/share/zoneinfo/UTC' }),
  drift: async (root) => {
    const link = path.join(root, 'etc/localtime');
    await fs.rm(link);
    await fs.writeFile(link, 'TZif');
  },
  extraCheck: async (root) => {
    const st = await fs.lstat(path.join(root, 'etc/localtime'));
    expect(st.isSymbolicLink()).toBe(true);
    expect(await fs.readlink(path.join(root, 'etc/localtime'))).toBe('/usr/share/zoneinfo/UTC');
  },
});

runConformance({
  kind: 'symlink',
  title: 'state = absent removes the link, never its target',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'etc/alt'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/alt/real'), 'keep me\n');
    await fs.symlink('/etc/alt/real', path.join(root, 'etc/alt/link'));
  },
  spec: () => ({ path: '/etc/alt/link', state: 'absent' }),
  drift: (root) => fs.symlink('real', path.join(root, 'etc/alt/link')),
  extraCheck: async (root) => {
    await expect(fs.lstat(path.join(root, 'etc/alt/link'))).rejects.toThrow(/ENOENT/);
    expect(await fs.readFile(path.join(root, 'etc/alt/real'), 'utf8')).toBe('keep me\n');
  },
});
