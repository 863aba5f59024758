// Helpers for the install tests: the built CLI as a process with a temp HOME and an environment
// stripped of anything that could reach the real installation (AIOS_CONFIG, XDG dirs, provider keys),
// a --root seeded with the account files groupadd needs, and a fingerprint of a tree (type, mode,
// owner, mtime, content, link target) to prove a second run changed nothing.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const AIOS = path.resolve('dist/cli/aios.js');

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function cleanEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, NO_COLOR: '1', AIOS_NO_HISTORY: '1', ...extra };
}

export interface Run {
  code: number | null;
  out: string;
  err: string;
}

export function aios(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Run {
  const r = spawnSync(process.execPath, [AIOS, ...args], { encoding: 'utf8', env, cwd: cwd ?? os.tmpdir() });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A root like a minimal image: /etc with passwd, group and gshadow (groupadd --root needs them). */
export function seedRoot(root: string): void {
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nadm:x:4:\n');
  fs.writeFileSync(path.join(root, 'etc/gshadow'), 'root:*::\nadm:*::\n', { mode: 0o640 });
}

/** Every path under dir with what a change would alter. */
export function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      let what: string;
      if (st.isSymbolicLink()) what = `link ${fs.readlinkSync(p)}`;
      else if (st.isFile())
        what = `file ${createHash('sha256').update(fs.readFileSync(p)).digest('hex').slice(0, 16)}`;
      else what = st.isDirectory() ? 'dir' : 'other';
      out[path.relative(dir, p)] =
        `${what} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${st.mtimeMs}`;
      if (st.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

export function modeOf(p: string): string {
  return (fs.lstatSync(p).mode & 0o7777).toString(8).padStart(4, '0');
}
