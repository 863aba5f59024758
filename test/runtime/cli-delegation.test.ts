import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callDaemon } from '../../src/runtime/rpc-client.js';

// The same cases through both paths (ARCHITECTURE.md §4): in-process (AIOS_NO_DAEMON=1) and
// delegated to a running daemon that manages the same root from the same specs.
const aios = path.resolve('dist/cli/aios.js');
const runtime = path.resolve('dist/cli/aios-runtime.js');
let dir: string;
let root: string;
let config: string;
let sock: string;
let child: ChildProcess | undefined;
let log = '';

beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'aios-deleg-'));
  root = path.join(dir, 'root');
  sock = path.join(dir, 'aios.sock');
  config = path.join(dir, 'config.toml');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'specs'));
  fs.writeFileSync(
    path.join(dir, 'specs/motd.toml'),
    '[[file]]\npath = "/etc/motd"\ncontent = "hello\\n"\nmode = "0644"\n',
  );
  // watch = false and a long resync: the daemon repairs nothing by itself during the test.
  fs.writeFileSync(
    config,
    `[aios]\ndata_dir = "${dir}/data"\nsocket_path = "${sock}"\n[memory]\npath = "${dir}/memory.db"\n` +
      `[controller]\nspecs_dir = "${dir}/specs"\nroot = "${root}"\nwatch = false\nresync_interval = "1h"\n` +
      `[recovery]\nenabled = false\n`,
  );
  log = '';
});
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
  }
  child = undefined;
  await fs.promises.rm(dir, { recursive: true, force: true });
});

const env = (extra: NodeJS.ProcessEnv = {}) => ({
  ...process.env,
  HOME: dir,
  XDG_CONFIG_HOME: path.join(dir, 'xdg'),
  AIOS_NO_HISTORY: '1',
  ...extra,
});

function cli(args: string[], inProcess: boolean) {
  const r = spawnSync(process.execPath, [aios, ...args, '--config', config], {
    encoding: 'utf8',
    env: env(inProcess ? { AIOS_NO_DAEMON: '1' } : {}),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function startDaemon(): Promise<void> {
  child = spawn(process.execPath, [runtime, '--config', config], { env: env() });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => {
    log += c;
  });
  const deadline = Date.now() + 20_000;
  while (!log.includes('listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`daemon did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  // its first pass converges the root
  while (fs.existsSync(path.join(root, 'etc/motd')) === false) {
    if (Date.now() > deadline) throw new Error(`daemon did not converge: ${log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the CLI delegates to a running daemon', { timeout: 90_000 }, () => {
  it('prints the same diff and exit code through the daemon as in process', async () => {
    await startDaemon();
    fs.writeFileSync(path.join(root, 'etc/motd'), 'drifted\n');
    const local = cli(['diff'], true);
    const remote = cli(['diff'], false);
    expect(local.code).toBe(2);
    expect(remote.code).toBe(2);
    expect(remote.out).toBe(local.out);
    const localJson = cli(['diff', '--json'], true);
    const remoteJson = cli(['diff', '--json'], false);
    expect(JSON.parse(remoteJson.out)).toEqual(JSON.parse(localJson.out));
    // Proof that the second path really was the daemon: it keeps the specs it loaded (watch is
    // off here), so an edit only the in-process run reads makes the two answers differ.
    fs.writeFileSync(
      path.join(dir, 'specs/motd.toml'),
      '[[file]]\npath = "/etc/motd"\ncontent = "edited spec\\n"\n',
    );
    expect(cli(['diff'], true).out).toContain('+edited spec');
    expect(cli(['diff'], false).out).toContain('+hello');
  });

  it('applies through the daemon (recorded as its run) with the same summary and exit code', async () => {
    await startDaemon();
    fs.writeFileSync(path.join(root, 'etc/motd'), 'drifted\n');
    const dry = cli(['apply', '--dry-run'], false);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/Dry run: 1 would change/);
    expect(fs.readFileSync(path.join(root, 'etc/motd'), 'utf8')).toBe('drifted\n');

    const remote = cli(['apply', '--yes'], false);
    expect(remote.code).toBe(0);
    expect(remote.out).toMatch(/changed\s+file:\/etc\/motd/);
    expect(remote.out).toMatch(/Apply: 1 changed, 0 unchanged, 0 failed, 0 blocked, 0 skipped/);
    expect(fs.readFileSync(path.join(root, 'etc/motd'), 'utf8')).toBe('hello\n');
    const status = (await callDaemon(sock, 'status')) as { specs: { last_run: { trigger: string } } };
    expect(status.specs.last_run.trigger).toBe('apply');

    fs.writeFileSync(path.join(root, 'etc/motd'), 'drifted again\n');
    const local = cli(['apply', '--yes'], true);
    expect(local.code).toBe(remote.code);
    const summary = (s: string) =>
      s
        .split('\n')
        .find((l) => l.startsWith('Apply:'))
        ?.replace(/; .*$/, '');
    expect(summary(local.out)).toBe(summary(remote.out));
  });

  it('runs in process for a --root sandbox even while a daemon runs', async () => {
    await startDaemon();
    const box = path.join(dir, 'box');
    fs.mkdirSync(path.join(box, 'etc'), { recursive: true });
    const r = spawnSync(process.execPath, [aios, 'apply', '--yes', '--root', box, '--config', config], {
      encoding: 'utf8',
      env: env(),
    });
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(box, 'etc/motd'), 'utf8')).toBe('hello\n');
    const status = (await callDaemon(sock, 'status')) as { specs: { last_run: { trigger: string } } };
    expect(status.specs.last_run.trigger).toBe('daemon');
  });
});
