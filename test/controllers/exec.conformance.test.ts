import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { runConformance } from './conformance.js';

// Commands run on the host with AIOS_ROOT set (not chrooted): they prefix their paths with it.
runConformance({
  kind: 'exec',
  title: 'creates: runs until its marker exists',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'var/lib'), { recursive: true });
  },
  spec: () => ({
    name: 'init-app',
    command: 'mkdir -p "$AIOS_ROOT/var/lib/app" && echo "$GREETING" > "$AIOS_ROOT/var/lib/app/.initialised"',
    creates: '/var/lib/app/.initialised',
    environment: { GREETING: "it's done" },
  }),
  drift: (root) => fs.rm(path.join(root, 'var/lib/app/.initialised')),
  extraCheck: async (root) => {
    expect(await fs.readFile(path.join(root, 'var/lib/app/.initialised'), 'utf8')).toBe("it's done\n");
  },
});

runConformance({
  kind: 'exec',
  title: 'unless: a read-only guard run in the root',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'etc'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/app.conf'), 'a=1\n');
  },
  spec: () => ({
    name: 'enable-feature',
    // The guard runs with cwd = the root, so a relative path reads the root's file.
    unless: 'grep -qx feature=on etc/app.conf',
    command: 'echo feature=on >> "$AIOS_ROOT/etc/app.conf"',
  }),
  drift: (root) => fs.writeFile(path.join(root, 'etc/app.conf'), 'a=1\n'),
  extraCheck: async (root) => {
    expect(await fs.readFile(path.join(root, 'etc/app.conf'), 'utf8')).toBe('a=1\nfeature=on\n');
  },
});

runConformance({
  kind: 'exec',
  title: 'onlyif: runs only while the condition holds',
  setup: async (root) => {
    await fs.mkdir(path.join(root, 'srv/cache'), { recursive: true });
    await fs.writeFile(path.join(root, 'srv/cache/stale.tmp'), 'x');
  },
  spec: () => ({
    name: 'clean-cache',
    cwd: '/srv/cache',
    onlyif: 'ls *.tmp >/dev/null 2>&1',
    command: 'rm -f -- *.tmp',
  }),
  drift: (root) => fs.writeFile(path.join(root, 'srv/cache/new.tmp'), 'y'),
  extraCheck: async (root) => {
    expect(await fs.readdir(path.join(root, 'srv/cache'))).toEqual([]);
  },
});
