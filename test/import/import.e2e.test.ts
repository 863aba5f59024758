// `aios import` end to end: the built CLI against temp roots made from copies of this machine's real
// /etc files and dpkg database (cp -a keeps modes and owners), then `aios diff` over the imported
// spec. Nothing outside the temp dirs is read for writing or written.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run, type Sandbox, sandbox, tree } from '../e2e/helpers.js';

const made: Sandbox[] = [];
afterEach(() => {
  for (const s of made.splice(0)) fs.rmSync(s.dir, { recursive: true, force: true });
});

beforeAll(() => {
  if (!fs.existsSync('dist/cli/aios.js')) throw new Error('build first: npx tsc -p tsconfig.build.json');
});

function box(): Sandbox {
  const s = sandbox();
  // Command history would add data/memory.db: "writes nothing" is about specs and the root.
  s.env.AIOS_NO_HISTORY = '1';
  made.push(s);
  return s;
}

/** cp -a real host files into the sandbox root (read-only use of the real /etc). */
function copyFromHost(s: Sandbox, hostPaths: string[]): void {
  for (const p of hostPaths) {
    const dest = path.join(s.root, p);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    execFileSync('cp', ['-a', p, dest]);
  }
}

type Doc = Record<string, Record<string, unknown>[]>;

function specOf(s: Sandbox, name = 'imported.toml'): Doc {
  return parse(fs.readFileSync(path.join(s.specs, name), 'utf8')) as Doc;
}

describe('aios import of files', () => {
  it('imports copies of real /etc files and a directory, and aios diff then shows them converged', () => {
    const s = box();
    copyFromHost(s, ['/etc/hostname', '/etc/hosts', '/etc/passwd', '/etc/group', '/etc/default']);
    const out = path.join(s.specs, 'imported.toml');
    const r = run(s, [
      'import',
      '/etc/hostname',
      '/etc/hosts',
      '/etc/passwd',
      '/etc/default',
      '--root',
      s.root,
      '--out',
      out,
    ]);
    expect(r.stderr).not.toMatch(/changed while importing/);
    expect(r.code).toBe(0);
    const doc = specOf(s);
    const hosts = doc.file?.find((f) => f.path === '/etc/hosts');
    const hostSt = fs.statSync('/etc/hosts');
    expect(hosts?.mode).toBe((hostSt.mode & 0o7777).toString(8).padStart(4, '0'));
    expect(hosts?.source).toBe('files/etc/hosts');
    expect(fs.readFileSync(path.join(s.specs, 'files/etc/hosts'))).toEqual(fs.readFileSync('/etc/hosts'));
    expect(doc.directory?.map((d) => d.path)).toContain('/etc/default');
    // Every regular file of the real /etc/default is a resource (recursive import).
    const realFiles = fs
      .readdirSync('/etc/default')
      .filter((n) => fs.lstatSync(`/etc/default/${n}`).isFile());
    for (const n of realFiles) expect(doc.file?.map((f) => f.path)).toContain(`/etc/default/${n}`);

    const diff = run(s, ['diff', '--root', s.root]);
    expect(diff.stdout).toMatch(/No changes: \d+ resources converged/);
    expect(diff.code).toBe(0);
  });

  it('shows drift after import: an edited imported file makes aios diff exit 2', () => {
    const s = box();
    copyFromHost(s, ['/etc/hostname', '/etc/hosts']);
    expect(
      run(s, ['import', '/etc/hosts', '/etc/hostname', '--out', path.join(s.specs, 'imported.toml')]).code,
    ).toBe(0);
    fs.appendFileSync(path.join(s.root, 'etc/hosts'), '10.0.0.9 drifted\n');
    fs.chmodSync(path.join(s.root, 'etc/hostname'), 0o600);
    const diff = run(s, ['diff']);
    expect(diff.code).toBe(2);
    expect(diff.stdout).toContain('file:/etc/hosts');
    expect(diff.stdout).toContain('mode: 0600');
  });

  it('prints the spec with inline contents when there is no --out, and writes nothing', () => {
    const s = box();
    fs.writeFileSync(path.join(s.root, 'etc/motd'), "it's 'quoted' '''triple''' and ends with a quote'\n");
    fs.writeFileSync(path.join(s.root, 'etc/plain'), 'line one\nline two\n');
    fs.symlinkSync('plain', path.join(s.root, 'etc/link'));
    const before = tree(s.dir);
    const r = run(s, ['import', '/etc/motd', '/etc/plain', '/etc/link']);
    expect(r.code).toBe(0);
    const doc = parse(r.stdout) as Doc;
    expect(doc.file?.find((f) => f.path === '/etc/motd')?.content).toBe(
      "it's 'quoted' '''triple''' and ends with a quote'\n",
    );
    expect(r.stdout).toContain("content = '''\nline one\nline two\n'''");
    expect(doc.symlink).toEqual([{ path: '/etc/link', target: 'plain' }]);
    expect(tree(s.dir)).toEqual(before);
  });

  it('marks a key, a 0640 file and a shadow file sensitive and never prints their contents', () => {
    const s = box();
    const secret = 'PLANTED-SECRET-7f3a';
    fs.mkdirSync(path.join(s.root, 'etc/ssl/private'), { recursive: true });
    fs.writeFileSync(
      path.join(s.root, 'etc/ssl/private/site.key'),
      `-----BEGIN PRIVATE KEY-----\n${secret}\n`,
      { mode: 0o644 },
    );
    fs.writeFileSync(path.join(s.root, 'etc/app.conf'), `token=${secret}\n`, { mode: 0o640 });
    fs.writeFileSync(path.join(s.root, 'etc/shadow'), `root:${secret}:19000::::::\n`, { mode: 0o644 });
    const paths = ['/etc/ssl/private/site.key', '/etc/app.conf', '/etc/shadow'];
    const r = run(s, ['import', ...paths, '--json']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(secret);
    const j = JSON.parse(r.stdout) as { spec: string; warnings: string[] };
    const doc = parse(j.spec) as Doc;
    for (const p of paths) {
      const f = doc.file?.find((x) => x.path === p);
      expect(f?.sensitive).toBe(true);
      expect(f?.content).toBeUndefined();
      expect(j.warnings.join('\n')).toContain(`${p}: marked sensitive = true`);
    }
  });

  it('keeps a sensitive file as a mode 0600 source copy with --out, and diff does not show its contents', () => {
    const s = box();
    const secret = 'PLANTED-SECRET-91bc';
    fs.writeFileSync(path.join(s.root, 'etc/shadow'), `root:${secret}:19000::::::\n`, { mode: 0o640 });
    const out = path.join(s.specs, 'imported.toml');
    const r = run(s, ['import', '/etc/shadow', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(fs.readFileSync(out, 'utf8')).not.toContain(secret);
    expect(fs.statSync(path.join(s.specs, 'files/etc/shadow')).mode & 0o777).toBe(0o600);
    expect(run(s, ['diff']).code).toBe(0);
    fs.writeFileSync(path.join(s.root, 'etc/shadow'), `root:${secret}-changed:19000::::::\n`);
    const diff = run(s, ['diff', '--json']);
    expect(diff.code).toBe(2);
    expect(diff.stdout).not.toContain(secret);
  });

  it('imports a binary file by its metadata only, with a warning, and it still shows converged', () => {
    const s = box();
    fs.writeFileSync(path.join(s.root, 'etc/blob.bin'), Buffer.from([0, 1, 2, 255, 254, 0]), { mode: 0o644 });
    const r = run(s, ['import', '/etc/blob.bin', '--out', path.join(s.specs, 'imported.toml')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('/etc/blob.bin: binary contents are not imported');
    const f = specOf(s).file?.[0];
    expect(f?.source).toBeUndefined();
    expect(f?.content).toBeUndefined();
    expect(run(s, ['diff']).code).toBe(0);
  });

  it('imports only the directory itself with --no-recursive', () => {
    const s = box();
    fs.mkdirSync(path.join(s.root, 'etc/app/conf.d'), { recursive: true });
    fs.writeFileSync(path.join(s.root, 'etc/app/conf.d/a.conf'), 'a\n');
    const r = run(s, ['import', '/etc/app', '--no-recursive']);
    expect(r.code).toBe(0);
    const doc = parse(r.stdout) as Doc;
    expect(doc.directory?.map((d) => d.path)).toEqual(['/etc/app']);
    expect(doc.file).toBeUndefined();
  });
});

describe('aios import --json', () => {
  it('reports ids, copies and warnings, and leaves the spec text out when it wrote a file', () => {
    const s = box();
    fs.writeFileSync(path.join(s.root, 'etc/hosts'), '127.0.0.1 localhost\n');
    fs.writeFileSync(path.join(s.root, 'etc/secret.conf'), 'pw=1\n', { mode: 0o600 });
    const out = path.join(s.specs, 'imported.toml');
    const r = run(s, ['import', '/etc/hosts', '/etc/secret.conf', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({
      root: s.root,
      out,
      resources: ['file:/etc/hosts', 'file:/etc/secret.conf'],
      copies: [
        { path: '/etc/hosts', source: 'files/etc/hosts', sensitive: false },
        { path: '/etc/secret.conf', source: 'files/etc/secret.conf', sensitive: true },
      ],
    });
    expect(j.spec).toBeUndefined();
    expect(r.stdout).not.toContain('pw=1');
    expect(run(s, ['diff']).code).toBe(0);
  });
});

describe('aios import refusals', () => {
  it('never overwrites an existing --out without --force, and writes nothing when it refuses', () => {
    const s = box();
    fs.writeFileSync(path.join(s.root, 'etc/hosts'), '127.0.0.1 localhost\n');
    const out = path.join(s.specs, 'imported.toml');
    fs.writeFileSync(out, '# mine\n');
    const r = run(s, ['import', '/etc/hosts', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${out} already exists (use --force to overwrite it)`);
    expect(fs.readFileSync(out, 'utf8')).toBe('# mine\n');
    expect(fs.existsSync(path.join(s.specs, 'files'))).toBe(false);
    const forced = run(s, ['import', '/etc/hosts', '--out', out, '--force']);
    expect(forced.code).toBe(0);
    expect(specOf(s).file?.[0]?.path).toBe('/etc/hosts');
  });

  it('refuses a source copy that already exists without --force', () => {
    const s = box();
    fs.writeFileSync(path.join(s.root, 'etc/hosts'), '127.0.0.1 localhost\n');
    fs.mkdirSync(path.join(s.specs, 'files/etc'), { recursive: true });
    fs.writeFileSync(path.join(s.specs, 'files/etc/hosts'), 'older copy\n');
    const r = run(s, ['import', '/etc/hosts', '--out', path.join(s.specs, 'new.toml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('files/etc/hosts already exists');
    expect(fs.existsSync(path.join(s.specs, 'new.toml'))).toBe(false);
    expect(fs.readFileSync(path.join(s.specs, 'files/etc/hosts'), 'utf8')).toBe('older copy\n');
  });

  it('names every missing path, package, user and bad name at once, exit 1, and writes nothing', () => {
    const s = box();
    const before = tree(s.dir);
    const r = run(s, [
      'import',
      '/etc/nope',
      'relative/path',
      '--package',
      'Bad Name',
      '--user',
      'ghost',
      '--out',
      path.join(s.specs, 'x.toml'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/etc/nope does not exist under root');
    expect(r.stderr).toContain('"relative/path" is not an absolute path');
    expect(r.stderr).toContain('--package Bad Name: must be a Debian package name');
    expect(r.stderr).toContain('--user ghost: no such user');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(tree(s.dir)).toEqual(before);
  });

  it('says what to give when nothing is asked for', () => {
    const s = box();
    const r = run(s, ['import']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nothing to import');
  });
});

/** The first N installed packages of this machine's dpkg database, with their versions. */
function hostPackages(n: number): { name: string; version: string }[] {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format
  const text = execFileSync('dpkg-query', ['-W', '-f', '${Package}\t${Version}\t${db:Status-Abbrev}\n'], {
    encoding: 'utf8',
  });
  return text
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((f) => f[2]?.startsWith('ii'))
    .slice(0, n)
    .map((f) => ({ name: f[0] as string, version: f[1] as string }));
}

describe('aios import of packages, users, groups and services', () => {
  it('imports packages with versions and users/groups from copies of the real dpkg status and passwd/group', () => {
    const s = box();
    copyFromHost(s, ['/var/lib/dpkg/status', '/etc/passwd', '/etc/group']);
    const pkgs = hostPackages(5);
    const users = ['root', 'nobody'];
    const args = ['import', ...pkgs.flatMap((p) => ['--package', p.name])];
    args.push(
      ...users.flatMap((u) => ['--user', u]),
      '--group',
      'root',
      '--out',
      path.join(s.specs, 'imported.toml'),
    );
    const r = run(s, args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = specOf(s);
    expect(doc.package).toEqual(pkgs);
    const root = doc.user?.find((u) => u.name === 'root');
    const realRoot = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('root:'))
      ?.split(':');
    expect(root).toMatchObject({ uid: 0, home: realRoot?.[5], shell: realRoot?.[6] });
    expect(doc.group).toEqual([{ name: 'root', gid: 0 }]);
    const diff = run(s, ['diff']);
    expect(diff.stdout).toContain(`${pkgs.length + users.length + 1} resources converged`);
    expect(diff.code).toBe(0);
  });

  it('refuses a package that is not installed, naming its dpkg status', () => {
    const s = box();
    copyFromHost(s, ['/var/lib/dpkg/status']);
    const r = run(s, ['import', '--package', 'surely-not-installed-pkg']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      '--package surely-not-installed-pkg: not installed under root (dpkg says absent)',
    );
  });

  it("imports a service's enablement read offline with systemctl --root, and diff agrees", () => {
    const s = box();
    for (const d of ['lib/systemd/system', 'etc/systemd/system'])
      fs.mkdirSync(path.join(s.root, d), { recursive: true });
    const unit = '[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n';
    fs.writeFileSync(path.join(s.root, 'lib/systemd/system/web.service'), unit);
    fs.writeFileSync(path.join(s.root, 'lib/systemd/system/idle.service'), unit);
    execFileSync('systemctl', [`--root=${s.root}`, 'enable', 'web.service'], { stdio: 'ignore' });
    const r = run(s, [
      'import',
      '--service',
      'web',
      '--service',
      'idle',
      '--out',
      path.join(s.specs, 'svc.toml'),
    ]);
    expect(r.code).toBe(0);
    const doc = specOf(s, 'svc.toml');
    expect(doc.service).toEqual([
      { name: 'web', enabled: true },
      { name: 'idle', enabled: false },
    ]);
    expect(run(s, ['diff']).code).toBe(0);
    execFileSync('systemctl', [`--root=${s.root}`, 'disable', 'web.service'], { stdio: 'ignore' });
    expect(run(s, ['diff']).code).toBe(2);
  });
});
