// Shared by the tests that run a real `aios-runtime`: a temp sandbox (root, specs, data, socket,
// config), an environment that never touches the real home, and a daemon process whose stderr log
// is kept for failure messages.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const AIOS = path.resolve('dist/cli/aios.js');
export const RUNTIME = path.resolve('dist/cli/aios-runtime.js');

export interface Sandbox {
  dir: string;
  root: string;
  specs: string;
  sock: string;
  config: string;
}

export interface SandboxOptions {
  /** Extra lines for [controller]. */
  controller?: string;
  /** Extra tables appended to the config. */
  tail?: string;
}

export async function makeSandbox(prefix: string, opts: SandboxOptions = {}): Promise<Sandbox> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), prefix));
  const box: Sandbox = {
    dir,
    root: path.join(dir, 'root'),
    specs: path.join(dir, 'specs'),
    sock: path.join(dir, 'aios.sock'),
    config: path.join(dir, 'config.toml'),
  };
  fs.mkdirSync(path.join(box.root, 'etc'), { recursive: true });
  fs.mkdirSync(box.specs);
  fs.writeFileSync(
    box.config,
    `[aios]\ndata_dir = "${dir}/data"\nsocket_path = "${box.sock}"\n[memory]\npath = "${dir}/memory.db"\n` +
      `[controller]\nspecs_dir = "${box.specs}"\nroot = "${box.root}"\n${opts.controller ?? ''}\n` +
      `[recovery]\nenabled = false\n[runtime]\ndebounce_ms = 5\n${opts.tail ?? ''}`,
  );
  return box;
}

export function isolatedEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, 'xdg'),
    AIOS_NO_HISTORY: '1',
    ...extra,
  };
}

/** `aios ARGS --config CONFIG` as a process. */
export function cli(box: Sandbox, args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [AIOS, ...args, '--config', box.config], {
    encoding: 'utf8',
    env: isolatedEnv(box.dir, extraEnv),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

export class DaemonProcess {
  log = '';
  private constructor(private readonly child: ChildProcess) {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (c: string) => {
      this.log += c;
    });
  }

  /** Start and wait for its readiness line ("listening on ..."). */
  static async start(config: string, env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<DaemonProcess> {
    const d = new DaemonProcess(spawn(process.execPath, [RUNTIME, '--config', config], { env }));
    await d.until('start', () => d.log.includes('listening on'), timeoutMs);
    return d;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  exited(): Promise<number | null> {
    if (!this.running) return Promise.resolve(this.child.exitCode);
    return new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited();
  }

  /** Poll until `check` holds; on time-out the error carries the daemon's log. */
  async until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (!this.running && what === 'start') throw new Error(`daemon exited:\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`${what} did not happen in time; daemon log:\n${this.log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
