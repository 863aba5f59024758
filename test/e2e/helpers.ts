// Helpers for end-to-end tests: the built CLI (`node dist/cli/aios.js`) as a process against a temp
// sandbox with its own config, data dir, HOME and XDG dir, so nothing real is read or written.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

export const aios = path.resolve('dist/cli/aios.js');

export interface Sandbox {
  dir: string;
  root: string;
  specs: string;
  data: string;
  config: string;
  env: NodeJS.ProcessEnv;
}

export function sandbox(extraConfig = ''): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-e2e-'));
  const s: Sandbox = {
    dir,
    root: path.join(dir, 'root'),
    specs: path.join(dir, 'specs'),
    data: path.join(dir, 'data'),
    config: path.join(dir, 'config.toml'),
    env: {
      PATH: process.env.PATH,
      NO_COLOR: '1',
      HOME: path.join(dir, 'home'),
      XDG_CONFIG_HOME: path.join(dir, 'xdg'),
    },
  };
  // A root with an empty /etc, like a fresh image: tools do not invent missing parent directories.
  for (const d of [path.join(s.root, 'etc'), s.specs, s.data]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(
    s.config,
    `[aios]\ndata_dir = ${JSON.stringify(s.data)}\n[controller]\nspecs_dir = ${JSON.stringify(s.specs)}\nroot = ${JSON.stringify(s.root)}\n[memory]\npath = ${JSON.stringify(path.join(s.data, 'memory.db'))}\n[recovery]\nstore_dir = ${JSON.stringify(path.join(s.data, 'snapshots'))}\n${extraConfig}`,
  );
  s.env.AIOS_CONFIG = s.config;
  return s;
}

export function run(s: Sandbox, args: string[]) {
  const r = spawnSync(process.execPath, [aios, ...args], { encoding: 'utf8', env: s.env, cwd: s.dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function writeSpec(s: Sandbox, name: string, text: string): string {
  const file = path.join(s.specs, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

export function rootFile(s: Sandbox, hostPath: string): string {
  return path.join(s.root, hostPath);
}

/** Every path under a directory, relative, sorted (to prove nothing was written). */
export function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

/**
 * A sandbox maker for one test file: every sandbox it made is removed after each test.
 * Call it at the top level of the file.
 */
export function sandboxes(): (extraConfig?: string) => Sandbox {
  const made: Sandbox[] = [];
  afterEach(() => {
    for (const s of made.splice(0)) fs.rmSync(s.dir, { recursive: true, force: true });
  });
  return (extraConfig = '') => {
    const s = sandbox(extraConfig);
    made.push(s);
    return s;
  };
}
