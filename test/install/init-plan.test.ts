// The layout `aios init` makes, as data: paths, modes, owners, order, and that the files it writes
// (config, example spec, example policy) load with the real loaders.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  configText,
  EXAMPLE_POLICY,
  EXAMPLE_SPEC,
  type InitStep,
  initPlan,
  installLayout,
  tmpfilesText,
} from '../../cli/init-plan.js';
import { loadConfig } from '../../src/config/load-config.js';
import { readPolicies } from '../../src/policy/policy-loader.js';
import { loadSpecs } from '../../src/specs/load-specs.js';

const example = fs.readFileSync('docs/config.example.toml', 'utf8');
const env = { HOME: '/home/ann' };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-init-plan-'));
  dirs.push(d);
  return d;
}

const dirStep = (steps: InitStep[], p: string) =>
  steps.find((s): s is Extract<InitStep, { kind: 'dir' }> => s.kind === 'dir' && s.path === p);

describe('init plan', () => {
  it('puts a system install in /etc/aios, /var/lib/aios (0750) and /run/aios (0750, group aios)', () => {
    const steps = initPlan({ mode: 'system', env, exampleConfig: example, unitText: '[Service]\n' });
    expect(steps[0]).toEqual({ kind: 'group', name: 'aios' });
    expect(dirStep(steps, '/etc/aios')).toMatchObject({ mode: 0o755, owner: 'root' });
    expect(dirStep(steps, '/var/lib/aios')).toMatchObject({ mode: 0o750, owner: 'root' });
    expect(dirStep(steps, '/run/aios')).toMatchObject({ mode: 0o750, owner: 'root', group: 'aios' });
    expect(steps.find((s) => s.kind === 'config')).toMatchObject({
      path: '/etc/aios/config.toml',
      mode: 0o644,
    });
    expect(steps.at(-1)).toEqual({ kind: 'enable', unit: 'aios-runtime.service' });
    const unit = steps.find((s) => s.kind === 'generated' && s.path.endsWith('.service'));
    expect(unit).toMatchObject({ path: '/etc/systemd/system/aios-runtime.service', content: '[Service]\n' });
  });

  it('reloads systemd before enabling only when systemd runs the target root', () => {
    const offline = initPlan({ mode: 'system', env, exampleConfig: example, unitText: 'x' });
    expect(offline.some((s) => s.kind === 'daemon-reload')).toBe(false);
    const live = initPlan({ mode: 'system', env, exampleConfig: example, unitText: 'x', liveSystemd: true });
    const kinds = live.map((s) => s.kind);
    expect(kinds.indexOf('daemon-reload')).toBe(kinds.indexOf('enable') - 1);
  });

  it('keeps a user install private (0700 dirs, 0600 config) under XDG dirs when they are set', () => {
    const steps = initPlan({
      mode: 'user',
      env: { HOME: '/home/ann', XDG_CONFIG_HOME: '/cfg', XDG_DATA_HOME: '/data' },
      exampleConfig: example,
    });
    expect(steps.map((s) => ('path' in s ? s.path : s.kind))).toEqual([
      '/cfg/aios',
      '/cfg/aios/config.toml',
      '/cfg/aios/specs',
      '/cfg/aios/policies',
      '/data/aios',
    ]);
    for (const s of steps) expect((s as { mode: number }).mode & 0o077).toBe(0);
    expect(steps.some((s) => s.kind === 'group' || s.kind === 'enable')).toBe(false);
  });

  it('gives a user a private socket in the data dir, written as ~/ when under HOME', () => {
    const layout = installLayout('user', env);
    expect(layout.socketPath).toBe('/home/ann/.local/share/aios/aios-runtime.sock');
    const text = configText(layout, example, env);
    expect(text).toMatch(/^socket_path = "~\/\.local\/share\/aios\/aios-runtime\.sock"/m);
    expect(text).not.toContain('/tmp/aios-runtime.sock');
  });

  it('writes a system config that loads and points the socket at /run/aios', async () => {
    const dir = tmp();
    const file = path.join(dir, 'config.toml');
    fs.writeFileSync(file, configText(installLayout('system', env), example, env));
    const loaded = await loadConfig({ configPath: file, env: {} });
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.aios.socket_path).toBe('/run/aios/aios-runtime.sock');
    expect(loaded.config.security.mode).toBe('normal');
  });

  it('writes a user config that loads with the socket resolved under HOME', async () => {
    const dir = tmp();
    const file = path.join(dir, 'config.toml');
    const userEnv = { HOME: dir };
    fs.writeFileSync(file, configText(installLayout('user', userEnv), example, userEnv));
    const loaded = await loadConfig({ configPath: file, env: userEnv });
    expect(loaded.config.aios.socket_path).toBe(path.join(dir, '.local/share/aios/aios-runtime.sock'));
  });

  it('refuses an example config without a socket_path line rather than writing a wrong one', () => {
    expect(() => configText(installLayout('user', env), '[aios]\n', env)).toThrow(/socket_path/);
  });

  it('ships an example spec and policy that load as empty (nothing changes until edited)', async () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'specs'));
    fs.mkdirSync(path.join(dir, 'policies'));
    fs.writeFileSync(path.join(dir, 'specs/example.toml'), EXAMPLE_SPEC);
    fs.writeFileSync(path.join(dir, 'policies/local.toml'), EXAMPLE_POLICY);
    const specs = await loadSpecs(path.join(dir, 'specs'));
    expect(specs).toMatchObject({ resources: [], files: [path.join(dir, 'specs/example.toml')] });
    const { loaded, problems } = readPolicies({ dirs: [path.join(dir, 'policies')], home: dir });
    expect(problems).toEqual([]);
    expect(loaded.files).toContain(path.join(dir, 'policies/local.toml'));
    expect(loaded.user).toEqual([]);
  });

  it('ships example spec lines that become a valid spec once uncommented', async () => {
    const dir = tmp();
    const uncommented = EXAMPLE_SPEC.split('\n')
      .filter((l) => /^# (\[\[|[a-z_]+ = )/.test(l))
      .map((l) => l.slice(2))
      .join('\n');
    fs.writeFileSync(path.join(dir, 'example.toml'), uncommented);
    const specs = await loadSpecs(dir);
    expect(specs.resources.map((r) => r.id)).toEqual(['file:/etc/motd', 'package:htop']);
  });

  it('recreates the socket dir at boot with a tmpfiles.d line of the same mode and group', () => {
    expect(tmpfilesText(installLayout('system', env))).toContain('d /run/aios 0750 root aios -');
  });
});
