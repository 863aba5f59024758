// End to end: `aios init` through the built CLI, in temp homes and temp roots only: what it creates
// (paths, modes, owners, the unit and its enable link, the group), that a second run changes nothing,
// and that an existing config is never overwritten.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AIOS, aios, cleanEnv, fingerprint, modeOf, seedRoot, tempDir } from './install-helpers.js';

const made: string[] = [];
function dir(prefix: string): string {
  const d = tempDir(prefix);
  made.push(d);
  return d;
}
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('aios init --user', () => {
  it('creates a private config, specs, policies and data dir in a temp HOME, and the config loads', () => {
    const home = dir('aios-init-user-');
    const env = cleanEnv(home);
    const r = aios(['init', '--user'], env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const cfg = path.join(home, '.config/aios');
    const data = path.join(home, '.local/share/aios');
    expect(modeOf(cfg)).toBe('0700');
    expect(modeOf(path.join(cfg, 'config.toml'))).toBe('0600');
    expect(modeOf(path.join(cfg, 'specs'))).toBe('0700');
    expect(modeOf(path.join(cfg, 'policies'))).toBe('0700');
    expect(modeOf(data)).toBe('0700');
    expect(fs.readFileSync(path.join(cfg, 'specs/example.toml'), 'utf8')).toContain('# [[file]]');
    expect(fs.existsSync(path.join(cfg, 'policies/local.toml'))).toBe(true);
    expect(r.out).toMatch(/created\s+\S+\/\.config\/aios\/config\.toml/);

    const shown = aios(['config', 'show', '--json'], env);
    expect(shown.code).toBe(0);
    const show = JSON.parse(shown.out);
    expect(JSON.stringify(show)).toContain(path.join(data, 'aios-runtime.sock'));
    expect(aios(['config', 'validate'], env).code).toBe(0);
    expect(aios(['diff'], env).code).toBe(0); // the example spec is all comments: converged
  });

  it('changes nothing on a second run and keeps an edited config', () => {
    const home = dir('aios-init-user2-');
    const env = cleanEnv(home);
    expect(aios(['init', '--user'], env).code).toBe(0);
    const config = path.join(home, '.config/aios/config.toml');
    fs.writeFileSync(config, '[security]\nmode = "paranoid"\n');
    fs.rmSync(path.join(home, '.config/aios/specs/example.toml'));
    const before = fingerprint(home);

    const again = aios(['init', '--user', '--json'], env);
    expect(again.code).toBe(0);
    const report = JSON.parse(again.out);
    expect(report.changed).toBe(false);
    expect(report.steps.find((s: { target: string }) => s.target === config)).toMatchObject({
      status: 'kept',
    });
    expect(fingerprint(home)).toEqual(before);
    expect(fs.readFileSync(config, 'utf8')).toBe('[security]\nmode = "paranoid"\n');
    // the example a user deleted stays deleted: init seeds it only when it creates the dir
    expect(fs.existsSync(path.join(home, '.config/aios/specs/example.toml'))).toBe(false);
    expect(aios(['init', '--user'], env).out).toContain('Nothing to do');
  });

  it('keeps a broken existing config, says it does not load, and still exits 0', () => {
    const home = dir('aios-init-broken-');
    const env = cleanEnv(home);
    const config = path.join(home, '.config/aios/config.toml');
    fs.mkdirSync(path.dirname(config), { recursive: true });
    fs.writeFileSync(config, '[llm]\nmax_steps = "lots"\n');
    const r = aios(['init', '--user'], env);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/kept\s+\S+config\.toml/);
    expect(r.err).toContain('the existing config does not load');
    expect(r.err).toContain(`${config}:2`);
    expect(fs.readFileSync(config, 'utf8')).toBe('[llm]\nmax_steps = "lots"\n');
  });

  it('reports a data dir with a loose mode without changing it', () => {
    const home = dir('aios-init-user3-');
    const env = cleanEnv(home);
    fs.mkdirSync(path.join(home, '.local/share/aios'), { recursive: true, mode: 0o755 });
    fs.chmodSync(path.join(home, '.local/share/aios'), 0o755);
    const r = aios(['init', '--user'], env);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('mode 0755, init would make 0700 (left as is)');
    expect(modeOf(path.join(home, '.local/share/aios'))).toBe('0755');
  });

  it('defaults to --user for an ordinary user, owned by that user, and refuses --system on /', () => {
    const home = dir('aios-init-nobody-');
    fs.chownSync(home, 65534, 65534);
    const asNobody = (args: string[]) =>
      spawnSync(process.execPath, [AIOS, ...args], {
        uid: 65534,
        gid: 65534,
        env: cleanEnv(home),
        encoding: 'utf8',
      });
    const refused = asNobody(['init', '--system']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('run it as root, or use --user');
    expect(fs.readdirSync(home)).toEqual([]);

    const r = asNobody(['init']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('aios init --user');
    for (const p of ['.config/aios', '.config/aios/config.toml', '.local/share/aios']) {
      expect(fs.statSync(path.join(home, p)).uid).toBe(65534);
    }
    expect(asNobody(['doctor']).status).toBe(0);
  });

  it('refuses --config (it writes to the standard place) and warns when AIOS_CONFIG points elsewhere', () => {
    const home = dir('aios-init-cfg-');
    const refused = aios(['init', '--user', '--config', path.join(home, 'x.toml')], cleanEnv(home));
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('takes no --config');
    expect(fs.readdirSync(home)).toEqual([]);
    const other = path.join(home, 'other.toml');
    const r = aios(['init', '--user'], cleanEnv(home, { AIOS_CONFIG: other }));
    expect(r.code).toBe(0);
    expect(r.err).toContain(`AIOS_CONFIG=${other} is set`);
  });

  it('refuses --system together with --user', () => {
    const home = dir('aios-init-both-');
    const r = aios(['init', '--system', '--user'], cleanEnv(home));
    expect(r.code).toBe(1);
    expect(r.err).toContain('mutually exclusive');
    expect(fs.readdirSync(home)).toEqual([]);
  });
});

describe('aios init --system --root DIR', () => {
  function systemRoot() {
    const base = dir('aios-init-sys-');
    const root = path.join(base, 'root');
    const home = path.join(base, 'home');
    fs.mkdirSync(home);
    seedRoot(root);
    return { root, home, env: cleanEnv(home) };
  }

  it('creates /etc/aios, /var/lib/aios, /run/aios, the group, the unit and its enable link inside DIR only', () => {
    const { root, home, env } = systemRoot();
    const r = aios(['init', '--system', '--root', root], env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const at = (p: string) => path.join(root, p);
    const st = (p: string) => fs.statSync(at(p));

    expect(modeOf(at('etc/aios'))).toBe('0755');
    expect(modeOf(at('etc/aios/config.toml'))).toBe('0644');
    expect(modeOf(at('etc/aios/specs'))).toBe('0755');
    expect(modeOf(at('etc/aios/policies'))).toBe('0755');
    expect(modeOf(at('var/lib/aios'))).toBe('0750');
    expect(modeOf(at('run/aios'))).toBe('0750');
    for (const p of ['etc/aios', 'etc/aios/config.toml', 'var/lib/aios', 'run/aios'])
      expect(st(p).uid).toBe(0);
    expect(st('var/lib/aios').gid).toBe(0);

    const group = fs.readFileSync(at('etc/group'), 'utf8').match(/^aios:x:(\d+):/m);
    expect(group).not.toBeNull();
    expect(st('run/aios').gid).toBe(Number(group?.[1]));

    const unit = fs.readFileSync(at('etc/systemd/system/aios-runtime.service'), 'utf8');
    expect(unit).toMatch(
      /^ExecStart=\S+node --max-semi-space-size=4 \S+aios-runtime\.js --config \/etc\/aios\/config\.toml$/m,
    );
    expect(unit).toContain('WantedBy=multi-user.target');
    const link = at('etc/systemd/system/multi-user.target.wants/aios-runtime.service');
    expect(fs.readlinkSync(link)).toBe('/etc/systemd/system/aios-runtime.service');
    expect(fs.readFileSync(at('etc/tmpfiles.d/aios.conf'), 'utf8')).toContain('d /run/aios 0750 root aios -');

    const config = fs.readFileSync(at('etc/aios/config.toml'), 'utf8');
    expect(config).toMatch(/^socket_path = "\/run\/aios\/aios-runtime\.sock"/m);
    // nothing outside the root and the temp home
    expect(fs.readdirSync(home)).toEqual([]);
  });

  it('changes nothing on a second run (not even an mtime) and keeps an edited config', () => {
    const { root, env } = systemRoot();
    expect(aios(['init', '--system', '--root', root], env).code).toBe(0);
    const config = path.join(root, 'etc/aios/config.toml');
    fs.appendFileSync(config, '\n# my edit\n');
    const before = fingerprint(root);
    const again = aios(['init', '--system', '--root', root, '--json'], env);
    expect(again.code).toBe(0);
    const report = JSON.parse(again.out);
    expect(report.changed).toBe(false);
    expect(report.steps.map((s: { status: string }) => s.status)).toEqual([
      'exists',
      'exists',
      'kept',
      'exists',
      'exists',
      'exists',
      'exists',
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(fingerprint(root)).toEqual(before);
    expect(fs.readFileSync(config, 'utf8')).toContain('# my edit');
  });

  it('never writes through a link at the config path, even a dangling one', () => {
    const { root, env } = systemRoot();
    const outside = path.join(path.dirname(root), 'outside-target.toml');
    fs.mkdirSync(path.join(root, 'etc/aios'), { recursive: true });
    fs.symlinkSync(outside, path.join(root, 'etc/aios/config.toml'));
    const r = aios(['init', '--system', '--root', root], env);
    expect(r.out).toMatch(/kept\s+\/etc\/aios\/config\.toml/);
    expect(fs.existsSync(outside)).toBe(false);
    expect(fs.lstatSync(path.join(root, 'etc/aios/config.toml')).isSymbolicLink()).toBe(true);
  });

  it('rewrites a unit file that differs from the one this version prints (upgrades)', () => {
    const { root, env } = systemRoot();
    expect(aios(['init', '--system', '--root', root], env).code).toBe(0);
    const unitFile = path.join(root, 'etc/systemd/system/aios-runtime.service');
    const good = fs.readFileSync(unitFile, 'utf8');
    fs.writeFileSync(unitFile, good.replace(/^ExecStart=.*$/m, 'ExecStart=/old/aios-runtime'));
    const r = aios(['init', '--system', '--root', root], env);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/updated\s+\/etc\/systemd\/system\/aios-runtime\.service/);
    expect(fs.readFileSync(unitFile, 'utf8')).toBe(good);
  });

  it('reports a step it cannot do, does the others and exits 1', () => {
    const base = dir('aios-init-noacct-');
    const root = path.join(base, 'root');
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    // an /etc/group that is a directory: groupadd cannot add the group
    fs.mkdirSync(path.join(root, 'etc/group'));
    const r = aios(['init', '--system', '--root', root], cleanEnv(base));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/failed\s+group aios/);
    expect(r.err).toContain('1 step failed');
    expect(r.out).toMatch(/created\s+\/run\/aios\s+\(socket dir, 0750 root:root, no group aios\)/);
    expect(fs.existsSync(path.join(root, 'etc/aios/config.toml'))).toBe(true);
    expect(modeOf(path.join(root, 'run/aios'))).toBe('0750');
  });
});
