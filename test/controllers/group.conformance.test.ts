// The group kind through the shared life cycle with the REAL groupadd/groupmod/groupdel --root on
// a minimal etc under the temp root; results are asserted on the root's group file.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { makeAccountsRoot, readEtc } from '../host/users-root.js';
import { runConformance } from './conformance.js';

runConformance({
  kind: 'group',
  title: 'a fixed gid, with drift being a hand edit of the gid',
  setup: (root) => makeAccountsRoot(root),
  spec: () => ({ name: 'devs', gid: 2000 }),
  drift: async (root) => {
    const p = path.join(root, 'etc/group');
    await fs.writeFile(p, (await fs.readFile(p, 'utf8')).replace('devs:x:2000:', 'devs:x:2999:'));
  },
  extraCheck: async (root) => {
    expect(await readEtc(root, 'group')).toContain('devs:x:2000:');
  },
});

runConformance({
  kind: 'group',
  title: 'a system group without a gid, with drift being its deletion',
  setup: (root) => makeAccountsRoot(root),
  spec: () => ({ name: 'svc', system: true }),
  drift: async (root) => {
    const p = path.join(root, 'etc/group');
    await fs.writeFile(p, (await fs.readFile(p, 'utf8')).replace(/^svc:.*\n/m, ''));
  },
  extraCheck: async (root) => {
    const line = (await readEtc(root, 'group')).find((l) => l.startsWith('svc:'));
    expect(Number(line?.split(':')[2])).toBeLessThan(1000);
  },
});

runConformance({
  kind: 'group',
  title: 'absent, with drift being the group coming back',
  setup: async (root) => {
    await makeAccountsRoot(root);
    await fs.appendFile(path.join(root, 'etc/group'), 'legacy:x:2500:\n');
    await fs.appendFile(path.join(root, 'etc/gshadow'), 'legacy:!::\n');
  },
  spec: () => ({ name: 'legacy', state: 'absent' }),
  drift: async (root) => {
    await fs.appendFile(path.join(root, 'etc/group'), 'legacy:x:2500:\n');
    await fs.appendFile(path.join(root, 'etc/gshadow'), 'legacy:!::\n');
  },
  extraCheck: async (root) => {
    expect((await readEtc(root, 'group')).some((l) => l.startsWith('legacy:'))).toBe(false);
  },
});
