import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callDaemon } from '../../src/runtime/rpc-client.js';
import { AIOS, DaemonProcess, isolatedEnv, makeSandbox, cli as run, type Sandbox } from './daemon-harness.js';

// The same cases through both paths (ARCHITECTURE.md §4): in-process (AIOS_NO_DAEMON=1) and
// delegated to a running daemon that manages the same root from the same specs.
let box: Sandbox;
let daemon: DaemonProcess | undefined;
let dir: string;
let root: string;
let sock: string;
let config: string;

beforeEach(async () => {
  // watch = false and a long resync: the daemon repairs nothing by itself during the test.
  box = await makeSandbox('aios-deleg-', { controller: 'watch = false\nresync_interval = "1h"' });
  ({ dir, root, sock, config } = box);
  fs.writeFileSync(
    path.join(box.specs, 'motd.toml'),
    '[[file]]\npath = "/etc/motd"\ncontent = "hello\\n"\nmode = "0644"\n',
  );
});
afterEach(async () => {
  await daemon?.kill();
  daemon = undefined;
  await fs.promises.rm(dir, { recursive: true, force: true });
});

const env = () => isolatedEnv(dir);
const cli = (args: string[], inProcess: boolean) => run(box, args, inProcess ? { AIOS_NO_DAEMON: '1' } : {});

async function startDaemon(): Promise<void> {
  daemon = await DaemonProcess.start(config, env());
  // Its first pass converges the root. Wait for the pass to be over, not just for the file: a drift
  // written while the pass still verifies would be repaired by its retry and race the test.
  await daemon.until('first pass', async () => {
    const status = (await callDaemon(sock, 'status')) as {
      specs?: { last_run?: { counts?: { pending?: number } } | null };
    };
    return fs.existsSync(path.join(root, 'etc/motd')) && status.specs?.last_run != null;
  });
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
    const sandbox = path.join(dir, 'box');
    fs.mkdirSync(path.join(sandbox, 'etc'), { recursive: true });
    const r = spawnSync(process.execPath, [AIOS, 'apply', '--yes', '--root', sandbox, '--config', config], {
      encoding: 'utf8',
      env: env(),
    });
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(sandbox, 'etc/motd'), 'utf8')).toBe('hello\n');
    const status = (await callDaemon(sock, 'status')) as { specs: { last_run: { trigger: string } } };
    expect(status.specs.last_run.trigger).toBe('daemon');
  });

  it('takes, lists and restores snapshots through the daemon, printing what the in-process path prints', async () => {
    await startDaemon();
    const taken = cli(['snapshot', '--description', 'via daemon', '--json'], false);
    expect(taken.code).toBe(0);
    const snap = JSON.parse(taken.out) as { id: string; trigger: string; storeDir: string };
    // 'rpc' is the daemon's trigger; an in-process snapshot says 'cli'.
    expect(snap.trigger).toBe('rpc');
    expect(JSON.parse(cli(['snapshot', '--json'], true).out).trigger).toBe('cli');

    const remoteList = cli(['snapshots'], false);
    const localList = cli(['snapshots'], true);
    expect(remoteList.code).toBe(0);
    expect(remoteList.out).toBe(localList.out);
    expect(remoteList.out).toContain('via daemon');

    fs.writeFileSync(path.join(root, 'etc/motd'), 'drifted\n');
    const remoteDry = cli(['restore', snap.id, '--dry-run'], false);
    expect(remoteDry.code).toBe(0);
    expect(remoteDry.out).toBe(cli(['restore', snap.id, '--dry-run'], true).out);
    expect(remoteDry.out).toContain('would update /etc/motd');

    const restored = cli(['restore', snap.id, '--json'], false);
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.out).restored).toContain('/etc/motd');
    expect(fs.readFileSync(path.join(root, 'etc/motd'), 'utf8')).toBe('hello\n');
  });

  it('reads history from the daemon with the same entries as in process', async () => {
    await startDaemon();
    const remote = cli(['history', '--json', '--kind', 'event'], false);
    const local = cli(['history', '--json', '--kind', 'event'], true);
    expect(remote.code).toBe(0);
    const events = JSON.parse(remote.out) as { text: string }[];
    expect(events.length).toBeGreaterThan(0);
    expect(events).toEqual(JSON.parse(local.out));
  });

  it('answers aios info from the daemon with the facts the in-process path gathers', async () => {
    await startDaemon();
    const rpc = (await callDaemon(sock, 'info')) as {
      root: string;
      memory: { rows: Record<string, number> };
    };
    expect(rpc.root).toBe(root);
    expect(rpc.memory.rows.resource_events).toBeGreaterThan(0);
    const remote = JSON.parse(cli(['info', '--json'], false).out);
    const local = JSON.parse(cli(['info', '--json'], true).out);
    expect(remote.daemon.state).toBe('running');
    const { daemon: _r, memory: remoteMemory, ...remoteRest } = remote;
    const { daemon: _l, memory: localMemory, ...localRest } = local;
    expect(remoteRest).toEqual(localRest);
    expect(remoteMemory.path).toBe(localMemory.path);
  });
});
