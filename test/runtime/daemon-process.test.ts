import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callDaemon } from '../../src/runtime/rpc-client.js';
import { AIOS as aios, DaemonProcess, RUNTIME as runtime } from './daemon-harness.js';

let dir: string;
let daemon: DaemonProcess | undefined;

beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'aios-daemon-'));
});
afterEach(async () => {
  await daemon?.kill();
  daemon = undefined;
  await fs.promises.rm(dir, { recursive: true, force: true });
});

function writeConfig(body: string): string {
  const file = path.join(dir, 'config.toml');
  fs.writeFileSync(file, body);
  return file;
}

const goodConfig = (sock: string) =>
  `[aios]\ndata_dir = "${dir}/data"\nsocket_path = "${sock}"\n[memory]\npath = "${dir}/memory.db"\n[controller]\nspecs_dir = "${dir}/specs"\n`;

async function startDaemon(config: string): Promise<DaemonProcess> {
  daemon = await DaemonProcess.start(config, {
    ...process.env,
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, 'xdg'),
  });
  return daemon;
}

const until = (check: () => Promise<boolean>) => (daemon as DaemonProcess).until('condition', check, 5000);

describe('aios-runtime process', () => {
  it('serves ping and status on its socket and logs in journald format', async () => {
    const sock = path.join(dir, 'aios.sock');
    await startDaemon(writeConfig(goodConfig(sock)));
    expect(await callDaemon(sock, 'ping')).toBe('pong');
    const status = (await callDaemon(sock, 'status')) as { pid: number; last_load_error: unknown };
    expect(status.pid).toBe(daemon?.pid);
    expect(status.last_load_error).toBeNull();
    expect(daemon?.log).toMatch(/^<6>daemon: listening on /m);
  });

  it('keeps the last good config when the file is broken, and reports the error with its line', async () => {
    const sock = path.join(dir, 'aios.sock');
    const config = writeConfig(goodConfig(sock));
    await startDaemon(config);
    fs.writeFileSync(config, `${goodConfig(sock)}[security]\nmode = 42\n`);
    await until(
      async () =>
        ((await callDaemon(sock, 'status')) as { last_load_error: unknown }).last_load_error !== null,
    );
    const status = (await callDaemon(sock, 'status')) as { last_load_error: { message: string } };
    expect(status.last_load_error.message).toMatch(/config\.toml:\d+.*mode/);
    expect(await callDaemon(sock, 'ping')).toBe('pong');
    fs.writeFileSync(config, goodConfig(sock));
    await until(
      async () =>
        ((await callDaemon(sock, 'status')) as { last_load_error: unknown }).last_load_error === null,
    );
  });

  it('rejects a broken policy file beside the config and keeps serving', async () => {
    const sock = path.join(dir, 'aios.sock');
    const config = writeConfig(goodConfig(sock));
    fs.mkdirSync(path.join(dir, 'policies'));
    fs.writeFileSync(path.join(dir, 'policies/local.toml'), '');
    await startDaemon(config);
    fs.writeFileSync(path.join(dir, 'policies/local.toml'), '[[rule]\nid = \n');
    await until(
      async () =>
        ((await callDaemon(sock, 'status')) as { last_load_error: unknown }).last_load_error !== null,
    );
    const status = (await callDaemon(sock, 'status')) as { last_load_error: { message: string } };
    expect(status.last_load_error.message).toMatch(/local\.toml/);
    expect(await callDaemon(sock, 'ping')).toBe('pong');
    fs.writeFileSync(path.join(dir, 'policies/local.toml'), '');
    await until(
      async () =>
        ((await callDaemon(sock, 'status')) as { last_load_error: unknown }).last_load_error === null,
    );
  });

  it('reloads on SIGHUP and exits 0 on SIGTERM, removing its socket', async () => {
    const sock = path.join(dir, 'aios.sock');
    await startDaemon(writeConfig(goodConfig(sock)));
    daemon?.signal('SIGHUP');
    await until(async () => ((await callDaemon(sock, 'status')) as { reloads: number }).reloads >= 1);
    daemon?.signal('SIGTERM');
    const code = await daemon?.exited();
    expect(code).toBe(0);
    expect(fs.existsSync(sock)).toBe(false);
  });

  it('refuses to start a second daemon on a live socket', async () => {
    const sock = path.join(dir, 'aios.sock');
    const config = writeConfig(goodConfig(sock));
    await startDaemon(config);
    const second = spawnSync(process.execPath, [runtime, '--config', config], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/already running/);
    expect(await callDaemon(sock, 'ping')).toBe('pong');
  });

  it('aios status exits 1 with a hint when no daemon answers, 0 with its state when one does', async () => {
    const sock = path.join(dir, 'aios.sock');
    const config = writeConfig(goodConfig(sock));
    const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'xdg'), AIOS_NO_HISTORY: '1' };
    const down = spawnSync(process.execPath, [aios, 'status', '--config', config], { encoding: 'utf8', env });
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/not running.*start it with/);
    await startDaemon(config);
    const up = spawnSync(process.execPath, [aios, 'status', '--json', '--config', config], {
      encoding: 'utf8',
      env,
    });
    expect(up.status).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ running: true, pid: daemon?.pid, socket: sock });
  });

  it('prints a systemd unit that systemd-analyze accepts', () => {
    const unit = spawnSync(process.execPath, [runtime, '--print-unit'], { encoding: 'utf8' });
    expect(unit.status).toBe(0);
    expect(unit.stdout).toMatch(/^ExecStart=.*aios-runtime\.js$/m);
    expect(unit.stdout).toMatch(/^Restart=on-failure$/m);
    const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (analyze.status !== 0) {
      console.log('skipped systemd-analyze verify: systemd-analyze is not installed here');
      return;
    }
    const file = path.join(dir, 'aios-runtime.service');
    fs.writeFileSync(file, unit.stdout);
    const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(verify.stderr.split('\n').filter((l) => l.includes('aios-runtime.service'))).toEqual([]);
    expect(verify.status).toBe(0);
  });
});
