import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callDaemon } from '../../src/runtime/rpc-client.js';

const runtime = path.resolve('dist/cli/aios-runtime.js');
let dir: string;
let root: string;
let specs: string;
let sock: string;
let child: ChildProcess | undefined;
let stderr = '';

beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'aios-daemon-rec-'));
  root = path.join(dir, 'root');
  specs = path.join(dir, 'specs');
  sock = path.join(dir, 'aios.sock');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.mkdirSync(specs);
  fs.writeFileSync(
    path.join(dir, 'config.toml'),
    `[aios]\ndata_dir = "${dir}/data"\nsocket_path = "${sock}"\n[memory]\npath = "${dir}/memory.db"\n` +
      `[controller]\nspecs_dir = "${specs}"\nroot = "${root}"\n[recovery]\nenabled = false\n[runtime]\ndebounce_ms = 5\n`,
  );
  stderr = '';
});
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
  }
  child = undefined;
  await fs.promises.rm(dir, { recursive: true, force: true });
});

async function start(): Promise<void> {
  child = spawn(process.execPath, [runtime, '--config', path.join(dir, 'config.toml')], {
    env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'xdg') },
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => {
    stderr += c;
  });
  const deadline = Date.now() + 15_000;
  while (!stderr.includes('listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`daemon did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in time; daemon log:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const read = (p: string) => {
  try {
    return fs.readFileSync(path.join(root, p), 'utf8');
  } catch {
    return undefined;
  }
};

describe('aios-runtime keeps the root converged', { timeout: 120_000 }, () => {
  it('applies specs at start, repairs a hand edit, follows spec edits, and survives a broken spec', async () => {
    fs.writeFileSync(
      path.join(specs, 'motd.toml'),
      '[[file]]\npath = "/etc/motd"\ncontent = "hello\\n"\nmode = "0644"\n',
    );
    await start();
    await until('initial apply', () => read('etc/motd') === 'hello\n');

    fs.writeFileSync(path.join(root, 'etc/motd'), 'vandalised\n');
    await until('drift repair', () => read('etc/motd') === 'hello\n');
    await until('repair counted', async () => {
      const s = (await callDaemon(sock, 'status')) as { specs: { drift_repairs: number } };
      return s.specs.drift_repairs >= 1;
    });

    fs.writeFileSync(
      path.join(specs, 'issue.toml'),
      '[[file]]\npath = "/etc/issue"\ncontent = "welcome\\n"\n',
    );
    await until('new spec applied', () => read('etc/issue') === 'welcome\n');

    fs.writeFileSync(path.join(specs, 'broken.toml'), '[[file]]\npath = "relative/oops"\nmode = 12\n');
    await until('broken spec reported', async () => {
      const s = (await callDaemon(sock, 'status')) as { specs: { last_error: { message: string } | null } };
      return s.specs.last_error !== null;
    });
    const s = (await callDaemon(sock, 'status')) as {
      specs: { last_error: { message: string }; resources: number };
    };
    expect(s.specs.last_error.message).toMatch(/broken\.toml/);
    expect(s.specs.resources).toBe(2);
    fs.writeFileSync(path.join(root, 'etc/issue'), 'changed again\n');
    await until('repair with the last good specs', () => read('etc/issue') === 'welcome\n');
  });

  it('answers diff over the socket with the same plan the CLI makes', async () => {
    fs.writeFileSync(path.join(specs, 'motd.toml'), '[[file]]\npath = "/etc/motd"\ncontent = "hi\\n"\n');
    await start();
    await until('initial apply', () => read('etc/motd') === 'hi\n');
    const plan = (await callDaemon(sock, 'diff')) as { resources: { id: string; status: string }[] };
    expect(plan.resources).toEqual([expect.objectContaining({ id: 'file:/etc/motd', status: 'converged' })]);
  });

  it('never sends the contents of a sensitive file over the socket', async () => {
    const secret = 'hunter2-daemon-planted';
    fs.appendFileSync(path.join(dir, 'config.toml'), '[security]\nmode = "paranoid"\n');
    fs.writeFileSync(
      path.join(specs, 'secret.toml'),
      `[[file]]\npath = "/etc/app.key"\ncontent = "${secret}\\n"\nsensitive = true\n`,
    );
    await start();
    // paranoid mode holds the write, so the change stays pending and shows in the plan
    const plan = (await callDaemon(sock, 'diff')) as { resources: { id: string; status: string }[] };
    expect(plan.resources).toEqual([expect.objectContaining({ id: 'file:/etc/app.key', status: 'create' })]);
    expect(JSON.stringify(plan)).not.toContain(secret);
    expect(read('etc/app.key')).toBeUndefined();
  });

  it('takes the missed scheduled snapshot at start and reports it in status', async () => {
    const config = path.join(dir, 'config.toml');
    fs.writeFileSync(
      config,
      fs
        .readFileSync(config, 'utf8')
        .replace('enabled = false', 'enabled = true\nsnapshot_interval = "daily"'),
    );
    fs.writeFileSync(path.join(root, 'etc/hostname'), 'box\n');
    await start();
    await until('catch-up snapshot', async () => {
      const s = (await callDaemon(sock, 'status')) as { snapshots: { last_scheduled: string | null } };
      return s.snapshots.last_scheduled !== null;
    });
    const s = (await callDaemon(sock, 'status')) as { snapshots: { enabled: boolean; schedule: string } };
    expect(s.snapshots).toMatchObject({ enabled: true, schedule: '0 0 * * *' });
    const list = spawnSync(
      process.execPath,
      [path.resolve('dist/cli/aios.js'), 'snapshots', '--json', '--config', config],
      {
        encoding: 'utf8',
        env: { ...process.env, HOME: dir, AIOS_NO_HISTORY: '1' },
      },
    );
    expect(list.status).toBe(0);
    expect((JSON.parse(list.stdout) as { kind: string }[]).map((x) => x.kind)).toContain('scheduled');
  });
});
