import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { runConformance } from './conformance.js';

const expected = [
  '# Managed by aios (cron:backup); local edits are overwritten.',
  'MAILTO=ops@example.com',
  'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
  '30 2 * * * backup /usr/local/bin/backup --quiet',
  '',
].join('\n');

runConformance({
  kind: 'cron',
  title: 'a nightly job with environment lines',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'etc/cron.d'), { recursive: true });
  },
  spec: () => ({
    name: 'backup',
    schedule: '30  2 * * *',
    user: 'backup',
    command: '/usr/local/bin/backup --quiet',
    environment: { MAILTO: 'ops@example.com', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  }),
  drift: (root) => fs.appendFile(path.join(root, 'etc/cron.d/backup'), '* * * * * root rm -rf /tmp/x\n'),
  extraCheck: async (root) => {
    const file = path.join(root, 'etc/cron.d/backup');
    expect(await fs.readFile(file, 'utf8')).toBe(expected);
    const st = await fs.stat(file);
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o644, 0, 0]);
  },
});

runConformance({
  kind: 'cron',
  title: 'a nickname schedule, mode drift',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'etc/cron.d'), { recursive: true });
  },
  spec: () => ({
    name: 'logrotate-extra',
    schedule: '@daily',
    command: 'test -x /usr/sbin/logrotate && logrotate /etc/x',
  }),
  drift: (root) => fs.chmod(path.join(root, 'etc/cron.d/logrotate-extra'), 0o664),
  extraCheck: async (root) => {
    const text = await fs.readFile(path.join(root, 'etc/cron.d/logrotate-extra'), 'utf8');
    expect(text.split('\n')[1]).toBe('@daily root test -x /usr/sbin/logrotate && logrotate /etc/x');
    expect((await fs.stat(path.join(root, 'etc/cron.d/logrotate-extra'))).mode & 0o7777).toBe(0o644);
  },
});

runConformance({
  kind: 'cron',
  title: 'state = absent removes the job file',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'etc/cron.d'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/cron.d/legacy'), '* * * * * root true\n');
  },
  spec: () => ({ name: 'legacy', schedule: '* * * * *', command: 'true', state: 'absent' }),
  drift: (root) => fs.writeFile(path.join(root, 'etc/cron.d/legacy'), '* * * * * root true\n'),
  extraCheck: async (root) => {
    expect(await fs.readdir(path.join(root, 'etc/cron.d'))).toEqual([]);
  },
});
