// Builds rule subjects: one per normalised shell command, or one for a non-shell tool call
// (read_file, write_file, remove, package_remove, ...), so one rule like `writes_any =
// ["/etc/shadow"]` covers `echo x > /etc/shadow` and `write_file /etc/shadow` alike.
import type { Effect } from '../types.js';
import type { SimpleCommand } from './analysis-types.js';
import type { Subject } from './rule-types.js';

const NETWORK = new Set([
  'curl',
  'wget',
  'ssh',
  'scp',
  'sftp',
  'rsync',
  'ping',
  'dig',
  'host',
  'nslookup',
  'nc',
  'ncat',
  'socat',
  'telnet',
  'ftp',
  'traceroute',
  'tracepath',
]);

export function shellSubject(c: SimpleCommand): Subject {
  let effect: Effect = 'exec';
  if (NETWORK.has(c.name)) effect = 'network';
  else if (c.readOnly) effect = 'read';
  else if (c.writes.length > 0 && c.name === ':') effect = 'write';
  return {
    kind: 'shell',
    tool: 'bash',
    effect,
    name: c.name,
    argv: c.argv,
    args: c.args,
    flags: c.flags,
    targets: c.targets,
    writes: c.writes,
    reads: c.reads,
    globArgs: c.globArgs,
    wrappers: c.wrappers,
    readOnly: c.readOnly && effect === 'read',
    raw: c.raw,
  };
}

/** The subject of a non-shell tool call. `path` has been checked by the caller. */
export function toolSubject(tool: string, args: Record<string, unknown>, effect: Effect): Subject {
  const path = typeof args.path === 'string' ? args.path : undefined;
  const name = typeof args.name === 'string' ? args.name : undefined;
  const paths = path !== undefined ? [path] : [];
  const s: Subject = {
    kind: 'tool',
    tool,
    effect,
    name: tool,
    argv: [],
    args: name !== undefined ? [name] : paths,
    flags: [],
    targets: [],
    writes: [],
    reads: [],
    globArgs: [],
    wrappers: [],
    readOnly: effect === 'read',
    raw: `${tool} ${path ?? name ?? ''}`.trim(),
  };
  switch (tool) {
    case 'read_file':
      s.reads = paths;
      break;
    case 'list_dir':
    case 'stat':
      break;
    case 'remove':
      s.targets = paths;
      s.writes = paths;
      if (args.recursive === true) s.flags = ['recursive'];
      break;
    case 'chmod':
    case 'chown':
      s.targets = paths;
      s.writes = paths;
      break;
    case 'write_file':
    case 'edit_file':
    case 'mkdir':
    case 'symlink':
      s.writes = paths;
      break;
    default:
      if (effect === 'write') s.writes = paths;
      else if (effect === 'read') s.reads = paths;
  }
  return s;
}
