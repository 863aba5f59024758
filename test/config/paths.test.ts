import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { effectivePaths } from '../../src/config/paths.js';
import { isolatedEnv, tempDir, writeFile } from './helpers.js';

const user = { uid: 1000, systemDirExists: true };
const rootWithEtc = { uid: 0, systemDirExists: true };
const rootWithoutEtc = { uid: 0, systemDirExists: false };

async function load(dir: string, configPath?: string, flags: { root?: string } = {}) {
  return loadConfig({
    systemConfigPath: path.join(dir, 'etc/aios/config.toml'),
    env: isolatedEnv(dir),
    cwd: dir,
    flags,
    ...(configPath ? { configPath } : {}),
  });
}

describe('effectivePaths', () => {
  it('keeps a user state under ~/.config/aios', async () => {
    const dir = tempDir();
    const env = isolatedEnv(dir);
    const paths = effectivePaths(await load(dir), env, user);
    const home = path.join(dir, 'home/.config/aios');
    const data = path.join(dir, 'home/.local/share/aios');
    expect(paths).toEqual({
      root: '/',
      dataDir: data,
      memoryPath: path.join(home, 'memory.db'),
      specsDir: path.join(home, 'specs'),
      policiesDirs: ['/etc/aios/policies'],
      snapshotsDir: path.join(data, 'snapshots'),
      socketPath: '/tmp/aios-runtime.sock',
    });
  });

  it('uses system places for root on an installed system', async () => {
    const dir = tempDir();
    const paths = effectivePaths(await load(dir), isolatedEnv(dir), rootWithEtc);
    expect(paths.dataDir).toBe('/var/lib/aios');
    expect(paths.memoryPath).toBe('/var/lib/aios/memory.db');
    expect(paths.specsDir).toBe('/etc/aios/specs');
  });

  it('treats root without /etc/aios (a container) like a user', async () => {
    const dir = tempDir();
    const paths = effectivePaths(await load(dir), isolatedEnv(dir), rootWithoutEtc);
    expect(paths.memoryPath).toBe(path.join(dir, 'home/.config/aios/memory.db'));
    expect(paths.dataDir).toBe(path.join(dir, 'home/.local/share/aios'));
  });

  it('keeps a data_dir a user configured, and follows XDG_DATA_HOME otherwise', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'c.toml', '[aios]\ndata_dir = "/srv/aios"\n');
    expect(effectivePaths(await load(dir, file), isolatedEnv(dir), user).dataDir).toBe('/srv/aios');
    const env = { ...isolatedEnv(dir), XDG_DATA_HOME: path.join(dir, 'xdg-data') };
    expect(effectivePaths(await load(dir), env, user).dataDir).toBe(path.join(dir, 'xdg-data/aios'));
  });

  it('puts memory.db in data_dir for root, following a configured data_dir', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'c.toml', '[aios]\ndata_dir = "state"\n');
    const paths = effectivePaths(await load(dir, file), isolatedEnv(dir), rootWithEtc);
    expect(paths.dataDir).toBe(path.join(dir, 'state'));
    expect(paths.memoryPath).toBe(path.join(dir, 'state/memory.db'));
    expect(paths.snapshotsDir).toBe(path.join(dir, 'state/snapshots'));
  });

  it('honours configured paths over every default', async () => {
    const dir = tempDir();
    const file = writeFile(
      dir,
      'conf/config.toml',
      [
        '[memory]',
        'path = "/srv/m.db"',
        '[controller]',
        'specs_dir = "specs"',
        '[security]',
        'policies_dir = "/srv/policies"',
        '[recovery]',
        'store_dir = "/srv/snaps"',
        '[tools]',
        'plugins_dir = "plugins"',
        '[aios]',
        'socket_path = "run/aios.sock"',
      ].join('\n'),
    );
    const paths = effectivePaths(await load(dir, file), isolatedEnv(dir), rootWithEtc);
    expect(paths).toEqual({
      configFile: file,
      root: '/',
      dataDir: '/var/lib/aios',
      memoryPath: '/srv/m.db',
      specsDir: path.join(dir, 'conf/specs'),
      policiesDirs: ['/srv/policies', path.join(dir, 'conf/policies')],
      snapshotsDir: '/srv/snaps',
      pluginsDir: path.join(dir, 'conf/plugins'),
      socketPath: path.join(dir, 'conf/run/aios.sock'),
    });
  });

  it('adds policies/ beside the most specific config file, once', async () => {
    const dir = tempDir();
    writeFile(dir, 'etc/aios/config.toml', '');
    const userFile = writeFile(dir, 'home/.config/aios/config.toml', '');
    const paths = effectivePaths(await load(dir), isolatedEnv(dir), user);
    expect(paths.configFile).toBe(userFile);
    expect(paths.policiesDirs).toEqual(['/etc/aios/policies', path.join(dir, 'home/.config/aios/policies')]);
    const sameDir = writeFile(dir, 'p/config.toml', `[security]\npolicies_dir = "policies"\n`);
    const one = effectivePaths(await load(dir, sameDir), isolatedEnv(dir), user);
    expect(one.policiesDirs).toEqual([path.join(dir, 'p/policies')]);
  });

  it('takes the managed root from --root, resolved to an absolute path', async () => {
    const dir = tempDir();
    const paths = effectivePaths(await load(dir, undefined, { root: 'sandbox' }), isolatedEnv(dir), user);
    expect(paths.root).toBe(path.join(dir, 'sandbox'));
    // The controller's own files stay where they are: --root moves only the managed tree.
    expect(paths.memoryPath).toBe(path.join(dir, 'home/.config/aios/memory.db'));
  });
});
