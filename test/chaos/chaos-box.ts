// A throw-away installation for the chaos suite: root, specs, data, snapshot store, memory db and
// policies dir all under one temp dir, an environment with its own HOME/XDG dirs, and the built
// CLI as a process (sync for checks, async for the runs that get killed). Never touches /etc or a
// real data dir.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

/** The built CLI; bench/chaos/run points CHAOS_AIOS at a private copy so a rebuild mid-run cannot break it. */
export const AIOS = process.env.CHAOS_AIOS ?? path.resolve('dist/cli/aios.js');

export interface ChaosBox {
  dir: string;
  root: string;
  specs: string;
  data: string;
  store: string;
  memory: string;
  policies: string;
  config: string;
  env: NodeJS.ProcessEnv;
}

export interface BoxOptions {
  root?: string;
  store?: string;
  /** Extra config text appended at the end. */
  tail?: string;
  env?: NodeJS.ProcessEnv;
}

export function makeBox(prefix: string, opts: BoxOptions = {}): ChaosBox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `aios-chaos-${prefix}-`));
  const b: ChaosBox = {
    dir,
    root: opts.root ?? path.join(dir, 'root'),
    specs: path.join(dir, 'specs'),
    data: path.join(dir, 'data'),
    store: opts.store ?? path.join(dir, 'data', 'snapshots'),
    memory: path.join(dir, 'data', 'memory.db'),
    policies: path.join(dir, 'policies'),
    config: path.join(dir, 'config.toml'),
    env: {
      PATH: process.env.PATH,
      NO_COLOR: '1',
      HOME: path.join(dir, 'home'),
      XDG_CONFIG_HOME: path.join(dir, 'xdg'),
      XDG_CACHE_HOME: path.join(dir, 'cache'),
      XDG_DATA_HOME: path.join(dir, 'xdg-data'),
      ...opts.env,
    },
  };
  for (const d of [path.join(b.root, 'etc'), b.specs, b.data, b.policies, b.env.HOME as string]) {
    fs.mkdirSync(d, { recursive: true });
  }
  const q = JSON.stringify;
  fs.writeFileSync(
    b.config,
    `[aios]\ndata_dir = ${q(b.data)}\nsocket_path = ${q(path.join(dir, 'aios.sock'))}\n` +
      `[controller]\nspecs_dir = ${q(b.specs)}\nroot = ${q(b.root)}\n` +
      `[memory]\npath = ${q(b.memory)}\n` +
      `[recovery]\nstore_dir = ${q(b.store)}\n` +
      `[security]\nmode = "trusted"\npolicies_dir = ${q(b.policies)}\n${opts.tail ?? ''}`,
  );
  b.env.AIOS_CONFIG = b.config;
  return b;
}

export function removeBox(b: ChaosBox): void {
  fs.rmSync(b.dir, { recursive: true, force: true });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function cli(b: ChaosBox, args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [AIOS, ...args], {
    encoding: 'utf8',
    env: { ...b.env, ...env },
    cwd: b.dir,
    timeout: Number(process.env.CHAOS_CLI_TIMEOUT ?? 120_000),
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Run the CLI and SIGKILL it `delayMs` after it was spawned (or let it finish first). */
export function cliKilledAfter(
  b: ChaosBox,
  args: string[],
  delayMs: number,
): Promise<CliResult & { killed: boolean }> {
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(process.execPath, [AIOS, ...args], { env: b.env, cwd: b.dir });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let killed = false;
    const timer = setTimeout(() => {
      killed = child.exitCode === null && child.signalCode === null;
      if (killed) child.kill('SIGKILL');
    }, delayMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, killed: killed && signal === 'SIGKILL' });
    });
  });
}

/** Wall time of one CLI run, to spread kill points over it. */
export function timeCli(b: ChaosBox, args: string[]): { ms: number; result: CliResult } {
  const t0 = performance.now();
  const result = cli(b, args);
  return { ms: performance.now() - t0, result };
}

/** PRAGMA integrity_check of the memory database ("ok", or what is wrong). */
export function integrity(file: string): string {
  if (!fs.existsSync(file)) return 'ok';
  const db = new Database(file);
  try {
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

/** A crash, as opposed to a refusal: killed by a signal, an abort/segfault code, or a JS stack trace. */
export function crashOf(r: CliResult): string | undefined {
  if (r.signal) return `killed by ${r.signal}`;
  if (r.code === 134 || r.code === 139 || r.code === null) return `exit ${String(r.code)}`;
  if (/\n\s+at .+[:(].*\d+:\d+\)?/.test(r.stderr)) return 'stack trace on stderr';
  if (/unexpected error/i.test(r.stderr)) return `unexpected error: ${r.stderr.trim().split('\n')[0]}`;
  return undefined;
}

/** Every entry under a directory (relative paths), sorted. */
export function listTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

/** path → content (files), "->target" (links), "/" (dirs): a snapshot of a tree to compare. */
export function treeState(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of listTree(dir)) {
    const full = path.join(dir, rel);
    const st = fs.lstatSync(full);
    if (st.isSymbolicLink()) out.set(rel, `->${fs.readlinkSync(full)}`);
    else if (st.isDirectory()) out.set(rel, `/ ${(st.mode & 0o7777).toString(8)}`);
    else out.set(rel, `${(st.mode & 0o7777).toString(8)} ${fs.readFileSync(full, 'latin1')}`);
  }
  return out;
}

export function sameTree(a: Map<string, string>, b: Map<string, string>): string | undefined {
  for (const [k, v] of a) {
    if (!b.has(k)) return `${k} disappeared`;
    if (b.get(k) !== v) return `${k} changed`;
  }
  for (const k of b.keys()) if (!a.has(k)) return `${k} appeared`;
  return undefined;
}

/** Temp names aios's own atomic writes and restores use; a kill may leave these behind. */
export const KNOWN_TEMP = [/^\..+\.aios-[0-9a-f]+\.tmp$/, /^\.aios-restore-/];

export function isKnownTemp(rel: string): boolean {
  const base = path.basename(rel);
  return KNOWN_TEMP.some((re) => re.test(base));
}
