// Temp roots and stores for the recovery tests: everything lives under one mkdtemp dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSnapshotStore, type SnapshotStoreOptions } from '../../src/recovery/snapshot-store.js';

export interface Sandbox {
  dir: string;
  root: string;
  storeDir: string;
  /** Real path of a host path under the root. */
  r(hostPath: string): string;
  write(hostPath: string, content: string | Buffer, mode?: number): void;
  open(extra?: Partial<SnapshotStoreOptions>): ReturnType<typeof openSnapshotStore>;
  cleanup(): void;
}

export function sandbox(): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-recovery-'));
  const root = path.join(dir, 'root');
  const storeDir = path.join(dir, 'store');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  const r = (p: string) => path.join(root, p);
  return {
    dir,
    root,
    storeDir,
    r,
    write(p, content, mode = 0o644) {
      fs.mkdirSync(path.dirname(r(p)), { recursive: true });
      fs.writeFileSync(r(p), content, { mode });
      fs.chmodSync(r(p), mode);
    },
    open: (extra = {}) => openSnapshotStore({ storeDir, root, paths: ['/etc'], ...extra }),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** Push every mtime in a tree into the past so the racy-timestamp rule does not force re-reads. */
export function ageTree(dir: string, secondsAgo = 60): void {
  const t = Date.now() / 1000 - secondsAgo;
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
    if (!st.isSymbolicLink()) fs.utimesSync(p, t, t);
  };
  walk(dir);
}
