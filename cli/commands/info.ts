// `aios info [--json]`: host and config facts — OS (from /etc/os-release under --root), kernel,
// hostname, user, config files in effect, data dir, memory path with row counts and size, and the
// daemon socket with whether a daemon answers a ping. When a daemon manages the same tree, the facts
// are the daemon's (its config, its memory); the daemon line is always this CLI's own ping.
import { MEMORY_TABLES } from '../../src/memory/memory-store.js';
import { gatherHostInfo, type HostInfo } from '../../src/runtime/host-info.js';
import { callDaemon } from '../../src/runtime/rpc-client.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandRun } from '../command.js';
import { delegateTo } from '../daemon-link.js';
import { paint, printJson } from '../io.js';

const PING_TIMEOUT_MS = 300;

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
  const call = daemon.state === 'running' ? await delegateTo(args, paths) : undefined;
  // A daemon without the info RPC (an older one) still gets the facts gathered here.
  const host: HostInfo =
    (call ? ((await call('info', {}).catch(() => undefined)) as HostInfo | undefined) : undefined) ??
    gatherHostInfo(loaded, paths);
  const facts = { ...host, daemon };
  if (args.json) {
    printJson(io, facts);
    return 0;
  }
  const label = (s: string) => paint(io, 'dim', s.padEnd(12));
  const lines = [
    `${label('os')}${facts.os.name}${facts.root === '/' ? '' : paint(io, 'dim', `  (under --root ${facts.root})`)}`,
    `${label('kernel')}${facts.kernel}`,
    `${label('hostname')}${facts.hostname}`,
    `${label('user')}${facts.user.name} (uid ${facts.user.uid})`,
    `${label('config')}${facts.config.files.length ? facts.config.files.join(', ') : 'built-in defaults (no config file found)'}`,
  ];
  for (const w of facts.config.warnings) lines.push(`${label('')}${paint(io, 'yellow', `warning: ${w}`)}`);
  lines.push(`${label('data dir')}${facts.paths.dataDir}`, `${label('specs dir')}${facts.paths.specsDir}`);
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
