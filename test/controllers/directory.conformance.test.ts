import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { runConformance } from './conformance.js';

runConformance({
  kind: 'directory',
  title: 'a new directory with a mode, parents created',
  spec: () => ({ path: '/srv/www/site', mode: '0750' }),
  drift: (root) => fs.chmod(path.join(root, 'srv/www/site'), 0o777),
  extraCheck: async (root) => {
    const st = await fs.stat(path.join(root, 'srv/www/site'));
    expect(st.isDirectory()).toBe(true);
    expect(st.mode & 0o7777).toBe(0o750);
  },
});

runConformance({
  kind: 'directory',
  title: 'purge removes what no resource declares',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'etc/nginx/conf.d/sub'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/nginx/conf.d/site.conf'), 'server {}\n');
    await fs.writeFile(path.join(root, 'etc/nginx/conf.d/sub/kept.conf'), 'x\n');
    await fs.writeFile(path.join(root, 'etc/nginx/conf.d/default.conf'), 'stale\n');
  },
  spec: () => ({
    path: '/etc/nginx/conf.d',
    purge: true,
    managed_children: ['/etc/nginx/conf.d/site.conf', '/etc/nginx/conf.d/sub/kept.conf'],
  }),
  drift: async (root) => {
    await fs.mkdir(path.join(root, 'etc/nginx/conf.d/dropped-in'));
    await fs.writeFile(path.join(root, 'etc/nginx/conf.d/dropped-in/x.conf'), 'x\n');
  },
  extraCheck: async (root) => {
    expect((await fs.readdir(path.join(root, 'etc/nginx/conf.d'))).sort()).toEqual(['site.conf', 'sub']);
    expect(await fs.readdir(path.join(root, 'etc/nginx/conf.d/sub'))).toEqual(['kept.conf']);
  },
});

runConformance({
  kind: 'directory',
  title: 'state = absent with force removes a tree',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'var/cache/old/a'), { recursive: true });
    await fs.writeFile(path.join(root, 'var/cache/old/a/f'), 'x');
  },
  spec: () => ({ path: '/var/cache/old', state: 'absent', force: true }),
  drift: (root) => fs.mkdir(path.join(root, 'var/cache/old')),
  extraCheck: async (root) => {
    await expect(fs.lstat(path.join(root, 'var/cache/old'))).rejects.toThrow(/ENOENT/);
    expect(await fs.readdir(path.join(root, 'var/cache'))).toEqual([]);
  },
});
