import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonProcess, isolatedEnv, makeSandbox, cli as run, type Sandbox } from './daemon-harness.js';

// Safe mode confirms every write. Nobody sits at the daemon's terminal, so its passes hold the write
// in the approvals queue; `aios approve` lets the next pass run it, `aios deny` never does.
let box: Sandbox;
let daemon: DaemonProcess | undefined;

beforeEach(async () => {
  box = await makeSandbox('aios-appr-e2e-', { tail: '[security]\nmode = "safe"\n' });
});
afterEach(async () => {
  await daemon?.kill();
  daemon = undefined;
  await fs.promises.rm(box.dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => run(box, args);
const root = () => box.root;

async function start(): Promise<void> {
  daemon = await DaemonProcess.start(box.config, isolatedEnv(box.dir));
}

const until = (what: string, check: () => boolean) => (daemon as DaemonProcess).until(what, check);
const heldLogged = () => (daemon?.log ?? '').includes('held ');

function pending(): { id: string; action: { tool: string; resource: string } }[] {
  const r = cli('approvals', '--json');
  expect(r.code).toBe(0);
  return JSON.parse(r.out);
}

describe('daemon approvals', { timeout: 90_000 }, () => {
  it('holds a confirm-verdict write until approved, then the next pass runs it', async () => {
    fs.writeFileSync(
      path.join(box.specs, 'motd.toml'),
      '[[file]]\npath = "/etc/motd"\ncontent = "approved\\n"\n',
    );
    await start();
    await until('approval held', heldLogged);
    const held = pending();
    expect(held).toHaveLength(1);
    expect(held[0]?.action).toMatchObject({ tool: 'write_file', resource: 'file:/etc/motd' });
    expect(fs.existsSync(path.join(root(), 'etc/motd'))).toBe(false);
    const human = cli('approvals');
    expect(human.out).toContain('rule mode:safe');

    const yes = cli('approve', held[0]?.id ?? '');
    expect(yes.code).toBe(0);
    await until('approved write ran', () => fs.existsSync(path.join(root(), 'etc/motd')));
    expect(fs.readFileSync(path.join(root(), 'etc/motd'), 'utf8')).toBe('approved\n');
    expect(pending()).toEqual([]);
  });

  it('never runs a denied action, and refuses to decide it twice', async () => {
    fs.writeFileSync(path.join(box.specs, 'motd.toml'), '[[file]]\npath = "/etc/motd"\ncontent = "no\\n"\n');
    await start();
    await until('approval held', heldLogged);
    const [held] = pending();
    expect(cli('deny', held?.id ?? '').code).toBe(0);
    const again = cli('approve', held?.id ?? '');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already denied/);
    await new Promise((r) => setTimeout(r, 300));
    expect(fs.existsSync(path.join(root(), 'etc/motd'))).toBe(false);
  });

  it('keeps the contents of a sensitive file out of the queue, its file and the CLI', async () => {
    const secret = 'planted-approval-secret';
    fs.writeFileSync(
      path.join(box.specs, 'key.toml'),
      `[[file]]\npath = "/etc/app.key"\ncontent = "${secret}\\n"\nsensitive = true\n`,
    );
    await start();
    await until('approval held', heldLogged);
    const r = cli('approvals', '--json');
    expect(r.out).toContain('file:/etc/app.key');
    expect(r.out).not.toContain(secret);
    expect(fs.readFileSync(path.join(box.dir, 'data/approvals.json'), 'utf8')).not.toContain(secret);
    const [held] = pending();
    expect(cli('approve', held?.id ?? '').code).toBe(0);
    await until('approved write ran', () => fs.existsSync(path.join(root(), 'etc/app.key')));
    expect(fs.readFileSync(path.join(root(), 'etc/app.key'), 'utf8')).toBe(`${secret}\n`);
  });

  it('says the approvals commands need the daemon when none runs', () => {
    const r = cli('approvals');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/needs the daemon/);
  });
});
