// `aios info [--json]`: host and config facts — OS (from /etc/os-release under --root), kernel,
// hostname, user, config files in effect, data dir, memory path with row counts and size, and the
// daemon socket with whether a daemon answers a ping. Reads only: it never creates the memory db.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { RootPath } from '../../src/host/root-path.js';
import { MEMORY_TABLES, openMemory } from '../../src/memory/memory-store.js';
import { callDaemon } from '../../src/runtime/rpc-client.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandRun } from '../command.js';
import { paint, printJson } from '../io.js';

const PING_TIMEOUT_MS = 300;

interface OsFacts {
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

type DaemonFacts =
  | { socket: string; state: 'running'; latencyMs: number }
  | { socket: string; state: 'not running' | 'not answering'; detail: string };

export async function pingDaemon(socket: string, timeoutMs = PING_TIMEOUT_MS): Promise<DaemonFacts> {
  const started = performance.now();
  try {
    await callDaemon(socket, 'ping', {}, { timeoutMs });
    return { socket, state: 'running', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTSOCK') {
      return { socket, state: 'not running', detail: code === 'ENOENT' ? 'no socket' : 'nothing listening' };
    }
    return { socket, state: 'not answering', detail: (error as Error).message };
  }
}

interface MemoryFacts {
  path: string;
  exists: boolean;
  sizeBytes?: number;
  schemaVersion?: number;
  rows?: Record<string, number>;
  error?: string;
}

function memoryFacts(file: string): MemoryFacts {
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

function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

const run: CommandRun = async (args, io) => {
  const { loaded, paths } = await loadCliConfig(args);
  const daemon = await pingDaemon(paths.socketPath);
  const facts = {
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
    daemon,
  };
  if (args.json) {
    printJson(io, facts);
    return 0;
  }
  const label = (s: string) => paint(io, 'dim', s.padEnd(12));
  const lines = [
    `${label('os')}${facts.os.name}${paths.root === '/' ? '' : paint(io, 'dim', `  (under --root ${paths.root})`)}`,
    `${label('kernel')}${facts.kernel}`,
    `${label('hostname')}${facts.hostname}`,
    `${label('user')}${facts.user.name} (uid ${facts.user.uid})`,
    `${label('config')}${loaded.files.length ? loaded.files.join(', ') : 'built-in defaults (no config file found)'}`,
  ];
  for (const w of loaded.warnings) lines.push(`${label('')}${paint(io, 'yellow', `warning: ${w}`)}`);
  lines.push(`${label('data dir')}${paths.dataDir}`, `${label('specs dir')}${paths.specsDir}`);
  const m = facts.memory;
  if (!m.exists) lines.push(`${label('memory')}${m.path} (not created yet)`);
  else if (m.error) lines.push(`${label('memory')}${m.path} ${paint(io, 'red', `(unreadable: ${m.error})`)}`);
  else {
    lines.push(`${label('memory')}${m.path} (${humanBytes(m.sizeBytes ?? 0)}, schema v${m.schemaVersion})`);
    const rows = MEMORY_TABLES.map((t) => `${t} ${m.rows?.[t] ?? 0}`).join(', ');
    lines.push(`${label('')}${rows}`);
  }
  const d = facts.daemon;
  lines.push(
    `${label('daemon')}${d.socket}: ${
      d.state === 'running'
        ? paint(io, 'green', `running (ping ${d.latencyMs} ms)`)
        : paint(io, d.state === 'not running' ? 'dim' : 'yellow', `${d.state} (${d.detail})`)
    }`,
  );
  io.out(lines.join('\n'));
  return 0;
};

export default run;
