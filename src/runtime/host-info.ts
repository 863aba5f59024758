// Host and config facts as `aios info` shows them, gathered where they are true: in the CLI's own
// process, or in the daemon (the `info` RPC) when the CLI delegates to it. Reads only: it never
// creates the memory database.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import type { LoadedConfig } from '../config/load-config.js';
import type { EffectivePaths } from '../config/paths.js';
import { RootPath } from '../host/root-path.js';
import { openMemory } from '../memory/memory-store.js';

export interface OsFacts {
  name: string;
  id?: string;
  version?: string;
  source: string;
}

/** PRETTY_NAME (else NAME VERSION) of the managed root's os-release. */
export function readOsRelease(root: string): OsFacts {
  const rp = new RootPath(root);
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    const file = rp.real(p);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const fields: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (!m?.[1]) continue;
      fields[m[1]] = (m[2] ?? '').replace(/^(["'])(.*)\1$/, '$2');
    }
    const facts: OsFacts = {
      name: fields.PRETTY_NAME ?? ([fields.NAME, fields.VERSION].filter(Boolean).join(' ') || 'unknown'),
      source: file,
    };
    if (fields.ID) facts.id = fields.ID;
    if (fields.VERSION_ID) facts.version = fields.VERSION_ID;
    return facts;
  }
  return { name: 'unknown (no os-release)', source: rp.real('/etc/os-release') };
}

export interface MemoryFacts {
  path: string;
  exists: boolean;
  sizeBytes?: number;
  schemaVersion?: number;
  rows?: Record<string, number>;
  error?: string;
}

export function memoryFacts(file: string): MemoryFacts {
  if (!existsSync(file)) return { path: file, exists: false };
  try {
    const mem = openMemory(file, { busyTimeoutMs: 1000 });
    try {
      return {
        path: file,
        exists: true,
        sizeBytes: mem.sizeBytes(),
        schemaVersion: mem.db.pragma('user_version', { simple: true }) as number,
        rows: mem.counts(),
      };
    } finally {
      mem.close();
    }
  } catch (error) {
    return { path: file, exists: true, error: (error as Error).message };
  }
}

function userFacts(): { name: string; uid: number } {
  try {
    const u = os.userInfo();
    return { name: u.username, uid: u.uid };
  } catch {
    return { name: process.env.USER ?? 'unknown', uid: process.getuid?.() ?? -1 };
  }
}

export interface HostInfo {
  os: OsFacts;
  kernel: string;
  hostname: string;
  user: { name: string; uid: number };
  node: string;
  root: string;
  config: { files: string[]; warnings: string[] };
  paths: {
    dataDir: string;
    specsDir: string;
    snapshotsDir: string;
    policiesDirs: string[];
    pluginsDir?: string;
  };
  memory: MemoryFacts;
}

export function gatherHostInfo(loaded: LoadedConfig, paths: EffectivePaths): HostInfo {
  return {
    os: readOsRelease(paths.root),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    hostname: os.hostname(),
    user: userFacts(),
    node: process.version,
    root: paths.root,
    config: { files: loaded.files, warnings: loaded.warnings },
    paths: {
      dataDir: paths.dataDir,
      specsDir: paths.specsDir,
      snapshotsDir: paths.snapshotsDir,
      policiesDirs: paths.policiesDirs,
      ...(paths.pluginsDir ? { pluginsDir: paths.pluginsDir } : {}),
    },
    memory: memoryFacts(paths.memoryPath),
  };
}
