// The user kind through the shared life cycle with the REAL useradd/usermod/userdel --root on a
// minimal etc under the temp root; results are asserted on the root's passwd and group files.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { makeAccountsRoot, readEtc } from '../host/users-root.js';
import { runConformance } from './conformance.js';

async function edit(root: string, file: string, from: RegExp, to: string): Promise<void> {
  const p = path.join(root, 'etc', file);
  const text = await fs.readFile(p, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`drift edit did not match ${from} in ${file}`);
  await fs.writeFile(p, next);
}

runConformance({
  kind: 'user',
  title: 'every field, with drift being a hand edit of shell and groups',
  setup: async (root) => {
    await makeAccountsRoot(root);
    await fs.appendFile(path.join(root, 'etc/group'), 'devs:x:2000:\nops:x:2001:\n');
    await fs.appendFile(path.join(root, 'etc/gshadow'), 'devs:!::\nops:!::\n');
  },
  spec: () => ({
    name: 'alice',
    uid: 1500,
    group: 'devs',
    groups: ['ops', 'users'],
    home: '/home/alice',
    shell: '/bin/bash',
    comment: 'Alice Example',
    create_home: true,
  }),
  drift: async (root) => {
    await edit(root, 'passwd', /^alice:(.*):\/bin\/bash$/m, 'alice:$1:/bin/sh');
    await edit(root, 'group', /^ops:x:2001:alice$/m, 'ops:x:2001:');
  },
  extraCheck: async (root) => {
    expect(await readEtc(root, 'passwd')).toContain('alice:x:1500:2000:Alice Example:/home/alice:/bin/bash');
    expect(await readEtc(root, 'group')).toEqual(
      expect.arrayContaining(['ops:x:2001:alice', 'users:x:100:alice']),
    );
    expect((await fs.stat(path.join(root, 'home/alice'))).uid).toBe(1500);
  },
});

runConformance({
  kind: 'user',
  title: 'absent, with drift being the account coming back',
  setup: async (root) => {
    await makeAccountsRoot(root);
    await fs.appendFile(path.join(root, 'etc/passwd'), 'olduser:x:1700:100::/home/olduser:/bin/sh\n');
    await fs.appendFile(path.join(root, 'etc/shadow'), 'olduser:!:19000:0:99999:7:::\n');
  },
  spec: () => ({ name: 'olduser', state: 'absent' }),
  drift: async (root) => {
    await fs.appendFile(path.join(root, 'etc/passwd'), 'olduser:x:1700:100::/home/olduser:/bin/sh\n');
    await fs.appendFile(path.join(root, 'etc/shadow'), 'olduser:!:19000:0:99999:7:::\n');
  },
  extraCheck: async (root) => {
    expect((await readEtc(root, 'passwd')).some((l) => l.startsWith('olduser:'))).toBe(false);
  },
});
