import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Safe mode confirms every write. Nobody sits at the daemon's terminal, so its passes hold the write
// in the approvals queue; `aios approve` lets the next pass run it, `aios deny` never does.
const aios = path.resolve('dist/cli/aios.js');
const runtime = path.resolve('dist/cli/aios-runtime.js');
let dir: string;
let root: string;
let config: string;
let child: ChildProcess | undefined;
let log = '';

beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'aios-appr-e2e-'));
  root = path.join(dir, 'root');
  config = path.join(dir, 'config.toml');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'specs'));
  fs.writeFileSync(
    config,
    `[aios]\ndata_dir = "${dir}/data"\nsocket_path = "${dir}/aios.sock"\n[memory]\npath = "${dir}/memory.db"\n` +
      `[controller]\nspecs_dir = "${dir}/specs"\nroot = "${root}"\n[recovery]\nenabled = false\n` +
      `[security]\nmode = "safe"\n[runtime]\ndebounce_ms = 5\n`,
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

const env = () => ({
  ...process.env,
  HOME: dir,
  XDG_CONFIG_HOME: path.join(dir, 'xdg'),
  AIOS_NO_HISTORY: '1',
});
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [aios, ...args, '--config', config], {
    encoding: 'utf8',
    env: env(),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in time; daemon log:\n${log}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function start(): Promise<void> {
  child = spawn(process.execPath, [runtime, '--config', config], { env: env() });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => {
    log += c;
  });
  await until('start', () => log.includes('listening on'));
}

function pending(): { id: string; action: { tool: string; resource: string } }[] {
  const r = cli('approvals', '--json');
  expect(r.code).toBe(0);
  return JSON.parse(r.out);
}

describe('daemon approvals', { timeout: 90_000 }, () => {
  it('holds a confirm-verdict write until approved, then the next pass runs it', async () => {
    fs.writeFileSync(
      path.join(dir, 'specs/motd.toml'),
      '[[file]]\npath = "/etc/motd"\ncontent = "approved\\n"\n',
    );
    await start();
    await until('approval held', () => log.includes('held '));
    const held = pending();
    expect(held).toHaveLength(1);
    expect(held[0]?.action).toMatchObject({ tool: 'write_file', resource: 'file:/etc/motd' });
    expect(fs.existsSync(path.join(root, 'etc/motd'))).toBe(false);
    const human = cli('approvals');
    expect(human.out).toContain('rule mode:safe');

    const yes = cli('approve', held[0]?.id ?? '');
    expect(yes.code).toBe(0);
    await until('approved write ran', () => fs.existsSync(path.join(root, 'etc/motd')));
    expect(fs.readFileSync(path.join(root, 'etc/motd'), 'utf8')).toBe('approved\n');
    expect(pending()).toEqual([]);
  });

  it('never runs a denied action, and refuses to decide it twice', async () => {
    fs.writeFileSync(path.join(dir, 'specs/motd.toml'), '[[file]]\npath = "/etc/motd"\ncontent = "no\\n"\n');
    await start();
    await until('approval held', () => log.includes('held '));
    const [held] = pending();
    expect(cli('deny', held?.id ?? '').code).toBe(0);
    const again = cli('approve', held?.id ?? '');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already denied/);
    await new Promise((r) => setTimeout(r, 300));
    expect(fs.existsSync(path.join(root, 'etc/motd'))).toBe(false);
  });

  it('keeps the contents of a sensitive file out of the queue, its file and the CLI', async () => {
    const secret = 'planted-approval-secret';
    fs.writeFileSync(
      path.join(dir, 'specs/key.toml'),
      `[[file]]\npath = "/etc/app.key"\ncontent = "${secret}\\n"\nsensitive = true\n`,
    );
    await start();
    await until('approval held', () => log.includes('held '));
    const r = cli('approvals', '--json');
    expect(r.out).toContain('file:/etc/app.key');
    expect(r.out).not.toContain(secret);
    expect(fs.readFileSync(path.join(dir, 'data/approvals.json'), 'utf8')).not.toContain(secret);
    const [held] = pending();
    expect(cli('approve', held?.id ?? '').code).toBe(0);
    await until('approved write ran', () => fs.existsSync(path.join(root, 'etc/app.key')));
    expect(fs.readFileSync(path.join(root, 'etc/app.key'), 'utf8')).toBe(`${secret}\n`);
  });

  it('says the approvals commands need the daemon when none runs', () => {
    const r = cli('approvals');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/needs the daemon/);
  });
});
