import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { runConformance } from './conformance.js';

// Under a temp root only the /etc/sysctl.d file is managed (no live kernel to touch): that is the
// point, since a test must never change the machine's own kernel parameters.
runConformance({
  kind: 'sysctl',
  title: 'the persisted file under a non-/ root',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'etc/sysctl.d'), { recursive: true });
  },
  spec: () => ({ name: 'net.ipv4.ip_forward', value: 1 }),
  drift: (root) =>
    fs.writeFile(
      path.join(root, 'etc/sysctl.d/60-aios-net.ipv4.ip_forward.conf'),
      'net.ipv4.ip_forward = 0\n',
    ),
  extraCheck: async (root) => {
    const text = await fs.readFile(path.join(root, 'etc/sysctl.d/60-aios-net.ipv4.ip_forward.conf'), 'utf8');
    expect(text.split('\n')[1]).toBe('net.ipv4.ip_forward = 1');
  },
});

runConformance({
  kind: 'sysctl',
  title: 'a multi-value key, removed by hand',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'etc/sysctl.d'), { recursive: true });
  },
  spec: () => ({ name: 'net.ipv4.tcp_rmem', value: '4096\t87380   6291456' }),
  drift: (root) => fs.rm(path.join(root, 'etc/sysctl.d/60-aios-net.ipv4.tcp_rmem.conf')),
  extraCheck: async (root) => {
    const text = await fs.readFile(path.join(root, 'etc/sysctl.d/60-aios-net.ipv4.tcp_rmem.conf'), 'utf8');
    expect(text.split('\n')[1]).toBe('net.ipv4.tcp_rmem = 4096 87380 6291456');
  },
});
