// Shapes the analyser recognises, as data and small predicates: downloaders and decoders (what
// makes "… | sh" remote code), world-writable places a sourced script must not come from, commands
// that destroy what they touch, fork-bomb shapes, and `kill`'s own argument grammar. No policy:
// verdicts live in policies/*.toml.
import { forEachChild, type SyntaxNode } from 'unbash';
import type { FindingKind, SimpleCommand } from './analysis-types.js';
import type { ParsedOptions } from './command-options.js';

export const DOWNLOADERS = new Set([
  'curl',
  'wget',
  'fetch',
  'aria2c',
  'http',
  'https',
  'lwp-request',
  'GET',
  'lynx',
  'links',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'telnet',
  'ftp',
  'tftp',
]);

export const UNTRUSTED_DIRS = /^\/(tmp|var\/tmp|dev\/shm|dev\/stdin|dev\/fd|proc)(\/|$)|^-$/;

/** World-writable or stdin-like places; the user's own home is trusted even when it lies under /tmp. */
export function untrusted(file: string, home: string): boolean {
  if (file === home || file.startsWith(`${home}/`)) return false;
  return UNTRUSTED_DIRS.test(file);
}

/** `kill`: the first dash word is the signal (`-9`, `-KILL`, `-s KILL`); after it `-1` is a PID. */
export function parseKill(argv: string[]): ParsedOptions {
  const flags = new Set<string>();
  const options: Record<string, string> = {};
  let i = 0;
  const first = argv[0];
  if (first === '-s' || first === '-n' || first === '--signal') {
    options.signal = argv[1] ?? '';
    flags.add('signal');
    i = 2;
  } else if (first === '-l' || first === '-L' || first === '--list') {
    flags.add('list');
    i = 1;
  } else if (first?.startsWith('-') && first !== '--' && first.length > 1) {
    options.signal = first.slice(1);
    flags.add('signal');
    i = 1;
  }
  if (options.signal !== undefined) flags.add(`sig-${options.signal.toUpperCase().replace(/^SIG/, '')}`);
  if (argv[i] === '--') i++;
  const operands = argv.slice(i);
  return { flags, options, operands, operandIndex: operands.map((_, k) => k + i) };
}

export const DESTROYERS = new Set([
  'rm',
  'shred',
  'unlink',
  'truncate',
  'chmod',
  'chown',
  'chgrp',
  'mv',
  'dd',
  'wipefs',
]);

export const DECODE_NAMES = new Set([
  'uudecode',
  'gunzip',
  'zcat',
  'bunzip2',
  'bzcat',
  'unxz',
  'xzcat',
  'unzstd',
  'zstdcat',
  'rev',
]);

/** Does this set of commands download or decode? */
export function classifyCommands(cmds: SimpleCommand[]): FindingKind | undefined {
  let decode = false;
  for (const c of cmds) {
    if (DOWNLOADERS.has(c.name)) return 'download-exec';
    if (c.redirects.some((r) => /^\/dev\/(tcp|udp)\//.test(r.target))) return 'download-exec';
    if (c.reads.some((r) => /^\/dev\/(tcp|udp)\//.test(r))) return 'download-exec';
    if (isDecoder(c)) decode = true;
  }
  return decode ? 'decode-exec' : undefined;
}

export function isDecoder(c: SimpleCommand): boolean {
  if (DECODE_NAMES.has(c.name)) return true;
  const f = new Set(c.flags);
  if ((c.name === 'base64' || c.name === 'base32' || c.name === 'basenc') && f.has('decode')) return true;
  if (c.name === 'xxd' && f.has('revert')) return true;
  if (/^(gzip|bzip2|xz|zstd|lzma)$/.test(c.name) && (f.has('d') || f.has('decompress'))) return true;
  if (c.name === 'openssl' && (f.has('d') || f.has('decrypt') || c.args.includes('base64'))) return true;
  if ((c.name === 'gpg' || c.name === 'gpg2') && (f.has('d') || f.has('decrypt'))) return true;
  if (c.name === 'tr' && c.args.length >= 2) return true;
  return false;
}

/** `while true; do CMD & done`: a loop that never ends and starts a process per turn. */
export function spawnsForever(loop: SyntaxNode & { type: 'While' }): boolean {
  const cond = loop.clause.commands;
  const c = cond.length === 1 ? cond[0]?.command : undefined;
  const always =
    c?.type === 'Command' &&
    (loop.kind === 'while'
      ? ['true', ':'].includes(c.name?.value ?? '') && c.args.length === 0
      : c.name?.value === 'false' && c.args.length === 0);
  return Boolean(always && loop.body.commands.some((st) => st.background));
}

export function isForkBomb(name: string, body: SyntaxNode): boolean {
  let found = false;
  const walk = (n: SyntaxNode, risky: boolean): void => {
    if (found) return;
    if (n.type === 'Command') {
      if (risky && n.name?.value === name) found = true;
      return;
    }
    if (n.type === 'Statement') {
      walk(n.command, risky || Boolean(n.background));
      return;
    }
    if (n.type === 'Pipeline') {
      for (const c of n.commands) walk(c, true);
      return;
    }
    forEachChild(n, (c) => walk(c, risky));
  };
  walk(body, false);
  return found;
}

export const GLOB_GUESSES = [
  'rm',
  'dd',
  'mkfs',
  'mv',
  'cp',
  'chmod',
  'chown',
  'shred',
  'wipefs',
  'kill',
  'killall',
  'reboot',
  'shutdown',
  'halt',
  'poweroff',
  'init',
  'iptables',
  'nft',
  'ufw',
  'apt',
  'apt-get',
  'dpkg',
  'bash',
  'sh',
  'tee',
  'curl',
  'wget',
];

export function globCandidates(glob: string): string[] {
  const re = new RegExp(
    `^${glob
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')
      .replace(/\[!/g, '[^')}$`,
  );
  return GLOB_GUESSES.filter((g) => re.test(g));
}
