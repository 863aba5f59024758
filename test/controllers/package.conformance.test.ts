// The package kind through the shared life cycle: observed with the REAL dpkg-query on a dpkg
// database under the temp root; apt-get is a fake that edits that database (the real one would
// change this machine; see test/host/apt.test.ts for the opt-in real run).

import { expect } from 'vitest';
import { fakeApt, fakeAptInRoot, readDpkgStatus, writeDpkgStatus } from '../host/dpkg-fake.js';
import { runConformance } from './conformance.js';

const archive = { hello: ['2.10-3', '2.9-1'], cowsay: ['3.03'] };

runConformance({
  kind: 'package',
  title: 'installed, with drift being a removal behind its back',
  setup: async (root) => {
    await writeDpkgStatus(root, [{ name: 'base-files', version: '12.4' }]);
    await fakeAptInRoot(root);
  },
  makeRunner: (root) => fakeApt(root, archive).runner,
  spec: () => ({ name: 'hello' }),
  drift: async (root) => {
    await writeDpkgStatus(root, [{ name: 'base-files', version: '12.4' }]);
  },
  extraCheck: async (root) => {
    expect((await readDpkgStatus(root)).find((p) => p.name === 'hello')?.version).toBe('2.10-3');
  },
});

runConformance({
  kind: 'package',
  title: 'a version pin, with drift being an upgrade behind its back',
  setup: async (root) => {
    await writeDpkgStatus(root, [{ name: 'hello', version: '2.10-3' }]);
    await fakeAptInRoot(root);
  },
  makeRunner: (root) => fakeApt(root, archive).runner,
  spec: () => ({ name: 'hello', version: '2.9-1' }),
  drift: async (root) => {
    await writeDpkgStatus(root, [{ name: 'hello', version: '2.10-3' }]);
  },
  extraCheck: async (root) => {
    expect(await readDpkgStatus(root)).toEqual([
      { name: 'hello', version: '2.9-1', status: 'install ok installed' },
    ]);
  },
});

runConformance({
  kind: 'package',
  title: 'absent, with drift being a reinstall behind its back',
  setup: async (root) => {
    await writeDpkgStatus(root, [{ name: 'cowsay', version: '3.03' }]);
    await fakeAptInRoot(root);
  },
  makeRunner: (root) => fakeApt(root, archive).runner,
  spec: () => ({ name: 'cowsay', state: 'absent' }),
  drift: async (root) => {
    await writeDpkgStatus(root, [{ name: 'cowsay', version: '3.03' }]);
  },
  extraCheck: async (root) => {
    expect(await readDpkgStatus(root)).toEqual([]);
  },
});
