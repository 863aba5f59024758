import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sysctlController, sysctlPath } from '../../controllers/sysctl-controller.js';
import { sysctlSchema } from '../../controllers/sysctl-schema.js';
import { spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { makeTempDirs, planResource } from './conformance.js';

const parse = (raw: Record<string, unknown>) => sysctlSchema.parse(raw);
const issues = (raw: Record<string, unknown>) =>
  (sysctlSchema.safeParse(raw).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('sysctl schema', () => {
  it('writes numbers and booleans as sysctl prints them and normalizes whitespace', () => {
    expect(parse({ name: 'net.ipv4.ip_forward', value: true }).value).toBe('1');
    expect(parse({ name: 'vm.swappiness', value: 10 }).value).toBe('10');
    expect(parse({ name: 'net.ipv4.tcp_rmem', value: ' 4096\t87380  6291456 ' }).value).toBe(
      '4096 87380 6291456',
    );
  });

  it('refuses keys that are not dotted names, missing values and values that break the file', () => {
    expect(issues({ name: 'ip_forward', value: 1 })[0]).toMatch(/^name: must be a dotted kernel parameter/);
    expect(issues({ name: '../../etc/x', value: 1 })[0]).toMatch(/^name:/);
    expect(issues({ name: 'vm.swappiness' })).toEqual(['value: a sysctl needs a value']);
    expect(issues({ name: 'vm.swappiness', value: '1 # x' })[0]).toMatch(/^value: must be one line/);
  });

  it('keeps one file per key in /etc/sysctl.d', () => {
    expect(sysctlPath('net.ipv4.ip_forward')).toBe('/etc/sysctl.d/60-aios-net.ipv4.ip_forward.conf');
    expect(sysctlController.watchPaths?.(parse({ name: 'vm.swappiness', value: 1 }))).toEqual([
      '/etc/sysctl.d/60-aios-vm.swappiness.conf',
    ]);
  });
});

describe('sysctl under a non-/ root', () => {
  let dirs: Awaited<ReturnType<typeof makeTempDirs>>;
  beforeEach(async () => {
    dirs = await makeTempDirs('aios-sysctl-');
  });
  afterEach(() => fsp.rm(dirs.base, { recursive: true, force: true }));

  it('manages only the file: no live value is read or set', async () => {
    const ctx = { root: new RootPath(dirs.root), runner: spawnRunner, specDir: dirs.specDir };
    const { observed, actions } = await planResource(
      sysctlController,
      parse({ name: 'kernel.ostype', value: 'NotLinux' }),
      ctx,
    );
    expect((observed as { live?: unknown }).live).toBeUndefined();
    expect(actions.map((a) => a.tool)).toEqual(['write_file']);
  });

  it('removes only the file for state = absent', async () => {
    await fsp.mkdir(path.join(dirs.root, 'etc/sysctl.d'), { recursive: true });
    await fsp.writeFile(path.join(dirs.root, sysctlPath('vm.swappiness')), 'vm.swappiness = 1\n');
    const ctx = { root: new RootPath(dirs.root), runner: spawnRunner, specDir: dirs.specDir };
    const { actions } = await planResource(
      sysctlController,
      parse({ name: 'vm.swappiness', state: 'absent' }),
      ctx,
    );
    expect(actions).toEqual([
      {
        tool: 'remove',
        args: { path: '/etc/sysctl.d/60-aios-vm.swappiness.conf' },
        resource: 'sysctl:vm.swappiness',
        reason: 'state = absent',
      },
    ]);
  });
});

// Under `/` observe reads the machine's real /proc/sys and /etc/sysctl.d (read-only); the planned
// `sysctl -w` is inspected, never run.
describe('sysctl under /', () => {
  const host = { root: new RootPath('/'), runner: spawnRunner, specDir: '/nonexistent' };
  const ostype = fs.readFileSync('/proc/sys/kernel/ostype', 'utf8').trim();

  it('observes the live value from /proc/sys', async () => {
    const { observed, changes } = await planResource(
      sysctlController,
      parse({ name: 'kernel.ostype', value: ostype }),
      host,
    );
    expect((observed as { live?: unknown }).live).toBe(ostype);
    expect(changes.map((c) => c.field)).not.toContain('live');
  });

  it('plans the file first, then sysctl -w through bash with the value quoted', async () => {
    expect(fs.existsSync(sysctlPath('kernel.ostype'))).toBe(false);
    const { changes, actions } = await planResource(
      sysctlController,
      parse({ name: 'kernel.ostype', value: 'Not Linux' }),
      host,
    );
    expect(changes.at(-1)).toEqual({ field: 'live', before: ostype, after: 'Not Linux' });
    expect(actions.map((a) => a.tool)).toEqual(['write_file', 'bash']);
    expect(actions[1]?.args).toEqual({ command: "sysctl -w 'kernel.ostype=Not Linux'" });
  });

  it('reports an unknown key as a live change (null before) so the apply fails loudly', async () => {
    const { changes } = await planResource(
      sysctlController,
      parse({ name: 'kernel.no_such_key_here', value: 1 }),
      host,
    );
    expect(changes).toContainEqual({ field: 'live', before: null, after: '1' });
  });

  it('compares multi-value keys regardless of tabs', async () => {
    const live = fs.readFileSync('/proc/sys/net/ipv4/tcp_rmem', 'utf8');
    const { changes } = await planResource(
      sysctlController,
      parse({ name: 'net.ipv4.tcp_rmem', value: live }),
      host,
    );
    expect(changes.map((c) => c.field)).not.toContain('live');
  });
});
