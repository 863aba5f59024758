// A real Debian root (issue 9): debootstrap builds a bookworm tree once (cached as a tarball),
// each run unpacks a fresh copy, and `aios apply --root` converges packages, a group, a user, files,
// a sysctl drop-in and an enabled service inside it — apt and dpkg through chroot, the shadow tools
// with --root, systemctl --root. The root's own tools check the result, and a second apply changes
// nothing. Opt-in (it downloads ~40 MB from the Debian mirror): AIOS_DEBIAN_ROOT=1; CI sets it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const AIOS = path.resolve('dist/cli/aios.js');
const enabled = process.env.AIOS_DEBIAN_ROOT === '1';
const CACHE =
  process.env.AIOS_DEBIAN_ROOT_CACHE ?? path.join(os.homedir(), '.cache', 'aios-test', 'debian-bookworm.tar');
const MIRROR = process.env.AIOS_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

function sh(cmd: string, args: string[], opts: { timeout?: number } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeout ?? 120_000 });
  return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
}

/** The cached tarball of a minimal bookworm with systemd and cron; built on the first run. */
function cachedRootTarball(): string {
  if (fs.existsSync(CACHE)) return CACHE;
  fs.mkdirSync(path.dirname(CACHE), { recursive: true });
  const build = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-debootstrap-'));
  try {
    const r = sh('debootstrap', ['--variant=minbase', '--include=systemd,cron', 'bookworm', build, MIRROR], {
      timeout: 20 * 60_000,
    });
    if (r.code !== 0) throw new Error(`debootstrap failed (${r.code}): ${r.err.slice(-2000)}`);
    const tmp = `${CACHE}.part`;
    const t = sh('tar', ['-C', build, '-cf', tmp, '.'], { timeout: 10 * 60_000 });
    if (t.code !== 0) throw new Error(`tar failed: ${t.err}`);
    fs.renameSync(tmp, CACHE);
    return CACHE;
  } finally {
    fs.rmSync(build, { recursive: true, force: true });
  }
}

const SPEC = `
[[group]]
name = "webops"

[[user]]
name = "deploy"
group = "webops"
home = "/home/deploy"
shell = "/bin/bash"

[[package]]
name = "hello"

[[directory]]
path = "/srv/site"
owner = "deploy"
group = "webops"
mode = "0750"

[[file]]
path = "/srv/site/index.html"
content = "<h1>hello from aios</h1>\\n"
owner = "deploy"
group = "webops"
mode = "0640"

[[file]]
path = "/etc/motd"
content = "managed by aios\\n"

[[sysctl]]
name = "net.ipv4.ip_forward"
value = "0"

[[package]]
name = "cron"

[[service]]
name = "cron"
enabled = true
`;

describe.skipIf(!enabled)('a real Debian root built by debootstrap', { timeout: 30 * 60_000 }, () => {
  let dir: string;
  let root: string;
  let config: string;

  beforeAll(() => {
    const tarball = cachedRootTarball();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-debian-'));
    root = path.join(dir, 'root');
    fs.mkdirSync(root);
    const x = sh('tar', ['-C', root, '-xf', tarball], { timeout: 10 * 60_000 });
    if (x.code !== 0) throw new Error(`untar failed: ${x.err}`);
    // apt inside the chroot resolves the mirror with the root's resolv.conf: give it ours.
    fs.copyFileSync('/etc/resolv.conf', path.join(root, 'etc/resolv.conf'));
    fs.mkdirSync(path.join(dir, 'specs'));
    fs.writeFileSync(path.join(dir, 'specs', 'host.toml'), SPEC);
    config = path.join(dir, 'config.toml');
    fs.writeFileSync(
      config,
      `[aios]\ndata_dir = "${dir}/data"\nsocket_path = "${dir}/aios.sock"\n[memory]\npath = "${dir}/memory.db"\n` +
        `[controller]\nspecs_dir = "${dir}/specs"\n[recovery]\npaths = ["/etc", "/srv"]\n`,
    );
  }, 30 * 60_000);

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const aios = (...args: string[]) => {
    const r = spawnSync(process.execPath, [AIOS, ...args, '--root', root, '--config', config], {
      encoding: 'utf8',
      timeout: 15 * 60_000,
      env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'xdg'), AIOS_NO_HISTORY: '1' },
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('converges packages, users, groups, files, sysctl and services inside the root', () => {
    const before = aios('diff');
    expect(before.code, before.err).toBe(2);

    const first = aios('apply', '--yes');
    expect(first.code, `${first.out}\n${first.err}`).toBe(0);

    // Checked with the root's own tools, not ours.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
    expect(sh('chroot', [root, 'dpkg-query', '-W', '-f', '${Status}', 'hello']).out).toBe(
      'install ok installed',
    );
    expect(sh('chroot', [root, 'hello']).out.trim()).toBe('Hello, world!');
    const deploy = sh('chroot', [root, 'getent', 'passwd', 'deploy']);
    expect(deploy.code).toBe(0);
    expect(deploy.out).toMatch(/^deploy:x:\d+:\d+::\/home\/deploy:\/bin\/bash$/m);
    const webops = sh('chroot', [root, 'getent', 'group', 'webops']).out.split(':');
    expect(webops[0]).toBe('webops');
    expect(deploy.out.split(':')[3]).toBe(webops[2]);
    expect(sh('systemctl', [`--root=${root}`, 'is-enabled', 'cron.service']).out.trim()).toBe('enabled');
    expect(sh('chroot', [root, 'stat', '-c', '%U:%G %a', '/srv/site/index.html']).out.trim()).toBe(
      'deploy:webops 640',
    );
    expect(fs.readFileSync(path.join(root, 'etc/motd'), 'utf8')).toBe('managed by aios\n');
    expect(fs.readFileSync(path.join(root, 'etc/sysctl.d/60-aios-net.ipv4.ip_forward.conf'), 'utf8')).toMatch(
      /^net\.ipv4\.ip_forward = 0$/m,
    );

    const second = aios('apply', '--yes');
    expect(second.code, second.err).toBe(0);
    expect(second.out).toMatch(/0 changed/);
    const after = aios('diff');
    expect(after.code, after.out).toBe(0);
  });
});
