// A stand-in `rm` first on the PATH of the aios process (and so of the commands its bash tool runs):
// it deletes nothing, it logs its arguments and, when asked to remove /, /etc or etc, deletes a
// canary file in the managed root. So "the command never ran" is proved by a canary that would
// vanish, and a gate regression in these scenarios can never touch the real machine.
import fs from 'node:fs';
import path from 'node:path';
import type { Box } from './scenario-harness.js';

export interface RmShim {
  /** PATH with the shim first. */
  PATH: string;
  canary: string;
  /** Argument lines of every run of the shim, in order. */
  runs(): string[];
}

export function installRmShim(box: Box): RmShim {
  const bin = path.join(box.dir, 'shim-bin');
  const log = path.join(box.dir, 'rm-runs.log');
  const canary = path.join(box.root, 'etc/canary');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(canary, 'still here\n');
  fs.writeFileSync(
    path.join(bin, 'rm'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\n` +
      `for a in "$@"; do case "$a" in /|/etc|/etc/|etc|etc/|/*\\*) /bin/rm -f '${canary}';; esac; done\nexit 0\n`,
    { mode: 0o755 },
  );
  return {
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    canary,
    runs: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  };
}
