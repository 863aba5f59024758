// The service kind through the shared life cycle with the REAL `systemctl --root` on unit files in a
// temp root (enablement is offline symlinks). Running/stopped needs a live systemd (PID 1), which
// this machine does not have: service.test.ts covers that path with an injected runner.
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { runConformance } from './conformance.js';

const UNIT =
  '[Unit]\nDescription=demo\n\n[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n';
const wants = (root: string, unit: string) =>
  path.join(root, 'etc/systemd/system/multi-user.target.wants', unit);

async function installUnit(root: string, dir: string, unit: string): Promise<void> {
  await fs.mkdir(path.join(root, dir), { recursive: true });
  await fs.writeFile(path.join(root, dir, unit), UNIT);
  await fs.mkdir(path.join(root, 'etc/systemd/system'), { recursive: true });
}

runConformance({
  kind: 'service',
  title: 'enabled (unit in etc), with drift being a disable behind its back',
  setup: (root) => installUnit(root, 'etc/systemd/system', 'demo.service'),
  spec: () => ({ name: 'demo', enabled: true }),
  drift: async (root) => {
    await fs.rm(wants(root, 'demo.service'));
  },
  extraCheck: async (root) => {
    expect(await fs.readlink(wants(root, 'demo.service'))).toBe('/etc/systemd/system/demo.service');
  },
});

runConformance({
  kind: 'service',
  title: 'disabled (vendor unit in lib), with drift being an enable behind its back',
  setup: async (root) => {
    await installUnit(root, 'lib/systemd/system', 'vendor.service');
    await fs.mkdir(path.dirname(wants(root, 'vendor.service')), { recursive: true });
    await fs.symlink('/lib/systemd/system/vendor.service', wants(root, 'vendor.service'));
  },
  spec: () => ({ name: 'vendor.service', enabled: false, reload_on_notify: true }),
  drift: async (root) => {
    // `systemctl disable` removed the emptied .wants directory too.
    await fs.mkdir(path.dirname(wants(root, 'vendor.service')), { recursive: true });
    await fs.symlink('/lib/systemd/system/vendor.service', wants(root, 'vendor.service'));
  },
  extraCheck: async (root) => {
    await expect(fs.lstat(wants(root, 'vendor.service'))).rejects.toThrow(/ENOENT/);
  },
});
