// The built CLI as a process: `aios snapshot/snapshots/snapshot diff/restore/verify/delete --root TMP`
// with a temp config whose data_dir is temp, so nothing outside the temp dir is touched.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'dist/cli/aios.js');
let dir: string;
let root: string;
let env: NodeJS.ProcessEnv;

function aios(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args, '--root', root], { env, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  if (!fs.existsSync(path.join(repo, 'dist/cli/commands/restore.js'))) {
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repo, stdio: 'ignore' });
    } catch {
      // emits despite type errors elsewhere
    }
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-recovery-e2e-'));
  root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'etc/app'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/app/app.conf'), 'port = 80\n');
  fs.writeFileSync(path.join(root, 'etc/hostname'), 'box\n');
  fs.writeFileSync(
    path.join(dir, 'config.toml'),
    `[aios]\ndata_dir = "${dir}/data"\n[recovery]\npaths = ["/etc"]\n`,
  );
  env = {
    PATH: process.env.PATH,
    HOME: path.join(dir, 'home'),
    XDG_CONFIG_HOME: path.join(dir, 'home/.config'),
    AIOS_CONFIG: path.join(dir, 'config.toml'),
    AIOS_NO_DAEMON: '1',
    NO_COLOR: '1',
  };
}, 300_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('aios snapshot commands (built CLI, temp root and config)', () => {
  it('snapshots, lists, diffs, restores, verifies and deletes', () => {
    const snap = aios('snapshot', '--description', 'before change', '--json');
    expect(snap.code).toBe(0);
    const s = JSON.parse(snap.out) as { id: string; files: number; pinned: boolean; storeDir: string };
    expect(s.pinned).toBe(true);
    expect(s.files).toBe(5); // /etc, app, app.conf, hostname, and the aios config file
    expect(s.storeDir).toBe(path.join(dir, 'data/snapshots'));

    fs.writeFileSync(path.join(root, 'etc/app/app.conf'), 'port = 8080\n');
    fs.writeFileSync(path.join(root, 'etc/app/new.conf'), 'x\n');

    const list = aios('snapshots');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(
      new RegExp(`${s.id}\\s+\\S+ \\S+\\s+manual\\s+5\\s+5\\s+\\S+ B\\s+before change`),
    );

    const diff = aios('snapshot', 'diff', s.id);
    expect(diff.code).toBe(0);
    expect(diff.out).toContain('~ /etc/app/app.conf (content)');
    expect(diff.out).toContain('-port = 80\n+port = 8080');
    expect(diff.out).toContain('+ /etc/app/new.conf');

    const dry = aios('restore', s.id, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('would update /etc/app/app.conf');
    expect(dry.out).toContain('would remove /etc/app/new.conf');
    expect(fs.readFileSync(path.join(root, 'etc/app/app.conf'), 'utf8')).toBe('port = 8080\n');

    const restore = aios('restore', s.id);
    expect(restore.code).toBe(0);
    expect(fs.readFileSync(path.join(root, 'etc/app/app.conf'), 'utf8')).toBe('port = 80\n');
    expect(fs.existsSync(path.join(root, 'etc/app/new.conf'))).toBe(false);
    const pre = /undo with `aios restore (\S+)`/.exec(restore.out)?.[1];
    expect(pre).toBeDefined();

    const listed = JSON.parse(aios('snapshots', '--json').out) as { id: string; kind: string }[];
    expect(listed.map((x) => x.kind)).toEqual(['pre-restore', 'manual']);

    const verify = aios('snapshot', 'verify');
    expect(verify.code).toBe(0);
    expect(verify.out).toMatch(/^ok: 2 snapshots/);

    expect(aios('snapshot', 'delete', pre as string).code).toBe(0);
    expect((JSON.parse(aios('snapshots', '--json').out) as unknown[]).length).toBe(1);

    const missing = aios('restore', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no snapshot nope');
    expect(aios('restore', '--resume').out).toContain('no interrupted restore');
  });
  it('restores only --path and keeps new files with --keep-new; diffs two snapshots as JSON', () => {
    const base = JSON.parse(aios('snapshot', '--json').out) as { id: string };
    fs.writeFileSync(path.join(root, 'etc/hostname'), 'renamed\n');
    fs.writeFileSync(path.join(root, 'etc/app/app.conf'), 'port = 9090\n');
    fs.writeFileSync(path.join(root, 'etc/app/extra.conf'), 'extra\n');
    const after = JSON.parse(aios('snapshot', '--json', '-d', 'after').out) as { id: string };

    const d = JSON.parse(aios('snapshot', 'diff', base.id, after.id, '--json').out) as {
      files: { path: string; change: string }[];
    };
    expect(d.files.map((f) => `${f.change} ${f.path}`)).toEqual([
      'modified /etc/app/app.conf',
      'added /etc/app/extra.conf',
      'modified /etc/hostname',
    ]);

    const r = aios('restore', base.id, '--path', '/etc/hostname', '--json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { restored: string[] }).restored).toEqual(['/etc/hostname']);
    expect(fs.readFileSync(path.join(root, 'etc/hostname'), 'utf8')).toBe('box\n');
    expect(fs.readFileSync(path.join(root, 'etc/app/app.conf'), 'utf8')).toBe('port = 9090\n');

    expect(aios('restore', base.id, '--keep-new').code).toBe(0);
    expect(fs.readFileSync(path.join(root, 'etc/app/app.conf'), 'utf8')).toBe('port = 80\n');
    expect(fs.existsSync(path.join(root, 'etc/app/extra.conf'))).toBe(true);
  });
});
