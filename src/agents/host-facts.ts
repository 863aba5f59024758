// The host facts the agent is told about (the part of `aios info` a model needs): OS from the managed
// root's os-release, kernel, hostname, the user aios runs as, the root. Reads only, never throws;
// no secrets (nothing from the environment but the user name).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { RootPath } from '../host/root-path.js';

export interface AgentHostFacts {
  os: string;
  kernel: string;
  hostname: string;
  user: string;
  /** The managed tree: `/`, or the --root directory. */
  root: string;
}

export function gatherHostFacts(root: string): AgentHostFacts {
  return {
    os: osName(root),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    hostname: os.hostname(),
    user: userName(),
    root,
  };
}

/** PRETTY_NAME (else NAME VERSION) of the managed root's os-release. */
export function osName(root: string): string {
  const rp = new RootPath(root);
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    let text: string;
    try {
      text = readFileSync(rp.real(p), 'utf8');
    } catch {
      continue;
    }
    const fields: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m?.[1]) fields[m[1]] = (m[2] ?? '').replace(/^(["'])(.*)\1$/, '$2');
    }
    return fields.PRETTY_NAME ?? ([fields.NAME, fields.VERSION].filter(Boolean).join(' ') || 'unknown');
  }
  return 'unknown (no os-release)';
}

function userName(): string {
  try {
    const u = os.userInfo();
    return `${u.username} (uid ${u.uid})`;
  } catch {
    return `uid ${process.getuid?.() ?? -1}`;
  }
}
