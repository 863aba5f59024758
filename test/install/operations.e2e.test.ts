// The procedures of docs/operations.md, run as written against a user install in a temp HOME: a
// live backup of the memory db, a backup and restore of the snapshot store, and moving the data dir.
// Each ends the way the doc says it does: the same snapshots, the same history, `aios doctor` ok.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { aios, cleanEnv, tempDir } from './install-helpers.js';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const hasSqlite3 = spawnSync('sqlite3', ['-version']).status === 0;

function installWithSnapshot() {
  const home = tempDir('aios-ops-');
  made.push(home);
  // history on: the memory db must hold something worth backing up
  const env = cleanEnv(home, { AIOS_NO_HISTORY: '' });
  expect(aios(['init', '--user'], env).code).toBe(0);
  const root = path.join(home, 'root');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/app.conf'), 'port = 8080\n');
  const snap = aios(['snapshot', '--root', root, '-d', 'before the move'], env);
  expect(snap.code, snap.err).toBe(0);
  const id = snap.out.match(/snapshot (\S+):/)?.[1] as string;
  expect(id).toBeTruthy();
  return {
    home,
    env,
    root,
    id,
    config: path.join(home, '.config/aios/config.toml'),
    data: path.join(home, '.local/share/aios'),
    memory: path.join(home, '.config/aios/memory.db'),
  };
}

const snapshotIds = (env: NodeJS.ProcessEnv, extra: string[] = []) => {
  const r = aios(['snapshots', '--json', ...extra], env);
  expect(r.code, r.err).toBe(0);
  return (JSON.parse(r.out) as { id: string }[]).map((s) => s.id);
};

const doctorFails = (env: NodeJS.ProcessEnv) => {
  const r = aios(['doctor', '--json'], env);
  const report = JSON.parse(r.out) as { checks: { status: string; message: string }[] };
  return report.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => c.message);
};

describe('docs/operations.md procedures', () => {
  it.skipIf(!hasSqlite3)(
    'backs up the memory db live with sqlite3 .backup, and the copy holds the history',
    () => {
      const ops = installWithSnapshot();
      const backup = path.join(ops.home, 'backup', 'aios-memory.db');
      fs.mkdirSync(path.dirname(backup));
      const r = spawnSync('sqlite3', [ops.memory, `.backup '${backup}'`], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const check = spawnSync('sqlite3', [backup, 'PRAGMA integrity_check; SELECT command FROM commands;'], {
        encoding: 'utf8',
      });
      expect(check.stdout).toMatch(/^ok$/m);
      expect(check.stdout).toContain('snapshot --root');
      // restore it in place of a lost one: the history comes back and doctor is content
      fs.rmSync(ops.memory);
      fs.copyFileSync(backup, ops.memory);
      fs.chmodSync(ops.memory, 0o600);
      const search = aios(['search', 'snapshot', '--json'], ops.env);
      expect((JSON.parse(search.out) as { hits: unknown[] }).hits.length).toBeGreaterThan(0);
      expect(doctorFails(ops.env)).toEqual([]);
    },
  );

  it('backs up the snapshot store with tar, verifies the copy, and restores it after a loss', () => {
    const ops = installWithSnapshot();
    const tarball = path.join(ops.home, 'aios-snapshots.tar');
    expect(spawnSync('tar', ['-C', ops.data, '-cf', tarball, 'snapshots']).status).toBe(0);

    // check the copy with a scratch config pointing [recovery] store_dir at it
    const scratch = path.join(ops.home, 'verify');
    fs.mkdirSync(scratch);
    expect(spawnSync('tar', ['-C', scratch, '-xf', tarball]).status).toBe(0);
    const scratchConfig = path.join(scratch, 'config.toml');
    fs.writeFileSync(
      scratchConfig,
      `[recovery]\nstore_dir = ${JSON.stringify(path.join(scratch, 'snapshots'))}\n`,
    );
    const verify = aios(['snapshot', 'verify', '--config', scratchConfig], ops.env);
    expect(verify.code, verify.err + verify.out).toBe(0);
    expect(snapshotIds(ops.env, ['--config', scratchConfig])).toEqual([ops.id]);

    // lose the store, put the backup back: the same snapshot restores the file
    fs.rmSync(path.join(ops.data, 'snapshots'), { recursive: true });
    expect(spawnSync('tar', ['-C', ops.data, '-xf', tarball]).status).toBe(0);
    expect(snapshotIds(ops.env)).toEqual([ops.id]);
    fs.writeFileSync(path.join(ops.root, 'etc/app.conf'), 'port = 9999\n');
    const restore = aios(['restore', ops.id, '--root', ops.root], ops.env);
    expect(restore.code, restore.err).toBe(0);
    expect(fs.readFileSync(path.join(ops.root, 'etc/app.conf'), 'utf8')).toBe('port = 8080\n');
    expect(doctorFails(ops.env)).toEqual([]);
  });

  it('moves the data dir: rename plus the config lines, same snapshots, doctor ok', () => {
    const ops = installWithSnapshot();
    const moved = path.join(ops.home, 'srv', 'aios');
    fs.mkdirSync(path.dirname(moved));
    fs.renameSync(ops.data, moved);
    // a user install keeps its socket in the data dir: that line moves too
    const text = fs
      .readFileSync(ops.config, 'utf8')
      .replace(
        /^socket_path = .*$/m,
        `socket_path = "~/srv/aios/aios-runtime.sock"\ndata_dir = "~/srv/aios"`,
      );
    fs.writeFileSync(ops.config, text);
    expect(snapshotIds(ops.env)).toEqual([ops.id]);
    expect(aios(['snapshot', 'verify'], ops.env).code).toBe(0);
    expect(doctorFails(ops.env)).toEqual([]);
    expect(fs.existsSync(ops.data)).toBe(false);
  });
});
