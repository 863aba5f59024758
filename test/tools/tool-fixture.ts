// A temp root and a ToolContext over it, for the tool tests. Everything lives under os.tmpdir().
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import type { ToolContext } from '../../src/tools/tool.js';

export interface TempRoot {
  dir: string;
  ctx: ToolContext;
  /** Real path of a host path under the temp root. */
  real(p: string): string;
  cleanup(): void;
}

export function makeTempRoot(extra: Partial<ToolContext> = {}): TempRoot {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-tools-'));
  fs.mkdirSync(path.join(dir, 'etc'));
  fs.writeFileSync(
    path.join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/bash\nalice:x:1234:2345:Alice:/home/alice:/bin/bash\n',
  );
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\nstaff:x:2345:alice\nweb:x:3456:\n');
  const ctx: ToolContext = { root: new RootPath(dir), runner: spawnRunner, sandbox: false, ...extra };
  return {
    dir,
    ctx,
    real: (p) => path.join(dir, p),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
