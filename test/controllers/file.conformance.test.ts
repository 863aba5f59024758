import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { runConformance } from './conformance.js';

const motd = 'Welcome to a host converged by aios.\n';

runConformance({
  kind: 'file',
  title: 'inline content with a mode',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
  },
  spec: () => ({ path: '/etc/motd', content: motd, mode: '0640' }),
  drift: (root) => fs.writeFile(path.join(root, 'etc/motd'), 'edited by hand\n'),
  extraCheck: async (root) => {
    expect(await fs.readFile(path.join(root, 'etc/motd'), 'utf8')).toBe(motd);
    expect((await fs.stat(path.join(root, 'etc/motd'))).mode & 0o7777).toBe(0o640);
  },
});

runConformance({
  kind: 'file',
  title: 'a source file next to the spec, mode drift only',
  setup: async (root, dirs) => {
    await fs.mkdir(path.join(root, 'etc/nginx/conf.d'), { recursive: true });
    await fs.mkdir(path.join(dirs.specDir, 'files'));
    await fs.writeFile(path.join(dirs.specDir, 'files/site.conf'), 'server { listen 8080; }\n');
  },
  spec: () => ({ path: '/etc/nginx/conf.d/site.conf', source: 'files/site.conf', mode: '0644' }),
  drift: (root) => fs.chmod(path.join(root, 'etc/nginx/conf.d/site.conf'), 0o600),
  extraCheck: async (root) => {
    const real = path.join(root, 'etc/nginx/conf.d/site.conf');
    expect(await fs.readFile(real, 'utf8')).toBe('server { listen 8080; }\n');
    expect((await fs.stat(real)).mode & 0o7777).toBe(0o644);
  },
});

runConformance({
  kind: 'file',
  title: "owner and group by name from the root's account files",
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'etc/app'), { recursive: true });
    await fs.writeFile(
      path.join(root, 'etc/passwd'),
      'root:x:0:0::/root:/bin/sh\napp:x:1234:1234::/srv:/bin/false\n',
    );
    await fs.writeFile(path.join(root, 'etc/group'), 'root:x:0:\napp:x:1234:\n');
  },
  spec: () => ({
    path: '/etc/app/app.env',
    content: 'TOKEN=x\n',
    owner: 'app',
    group: 'app',
    mode: '0600',
    sensitive: true,
  }),
  drift: (root) => fs.chown(path.join(root, 'etc/app/app.env'), 0, 0),
  extraCheck: async (root) => {
    const st = await fs.stat(path.join(root, 'etc/app/app.env'));
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([1234, 1234, 0o600]);
  },
});

runConformance({
  kind: 'file',
  title: 'state = absent removes the file',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'etc/cron.daily'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/cron.daily/old-job'), '#!/bin/sh\n');
  },
  spec: () => ({ path: '/etc/cron.daily/old-job', state: 'absent' }),
  drift: (root) => fs.writeFile(path.join(root, 'etc/cron.daily/old-job'), 'back again\n'),
  extraCheck: async (root) => {
    await expect(fs.lstat(path.join(root, 'etc/cron.daily/old-job'))).rejects.toThrow(/ENOENT/);
  },
});

runConformance({
  kind: 'file',
  title: 'a sensitive source checked by validate before it replaces the file',
  setup: async (root, dirs) => {
    await fs.mkdir(path.join(root, 'etc/app'), { recursive: true });
    await fs.writeFile(path.join(dirs.specDir, 'app.conf'), 'listen = 8080\npassword = hunter2\n');
  },
  spec: (_root, dirs) => ({
    path: '/etc/app/app.conf',
    source: path.join(dirs.specDir, 'app.conf'),
    sensitive: true,
    mode: '0600',
    validate: 'grep -q "^listen = " %s',
  }),
  drift: (root) => fs.writeFile(path.join(root, 'etc/app/app.conf'), 'listen = 9090\npassword = hunter3\n'),
  extraCheck: async (root) => {
    const real = path.join(root, 'etc/app/app.conf');
    expect(await fs.readFile(real, 'utf8')).toBe('listen = 8080\npassword = hunter2\n');
    expect((await fs.stat(real)).mode & 0o7777).toBe(0o600);
  },
});
