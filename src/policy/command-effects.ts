// What a normalised simple command touches (targets, writes, reads) and whether it only reads.
// The rules match on these lists, so `tee /etc/sudoers`, `> /etc/sudoers`, `cp x /etc/sudoers`
// and `dd of=/etc/sudoers` are one case for them. Knowledge of commands, not policy.
import type { ParsedOptions } from './command-options.js';

export interface Effects {
  targets: string[];
  writes: string[];
  reads: string[];
}

const TARGET_ALL = new Set([
  'rm',
  'unlink',
  'rmdir',
  'shred',
  'wipefs',
  'mke2fs',
  'mkswap',
  'blkdiscard',
  'sgdisk',
  'sfdisk',
  'fdisk',
  'gdisk',
  'cfdisk',
  'parted',
  'chattr',
  'setfacl',
  'badblocks',
  'hdparm',
  'cryptsetup',
  'pvcreate',
  'zpool',
]);

const READS_OPERANDS = new Set([
  'cat',
  'tac',
  'nl',
  'head',
  'tail',
  'less',
  'more',
  'base64',
  'base32',
  'xxd',
  'od',
  'hexdump',
  'strings',
  'zcat',
  'bzcat',
  'xzcat',
  'md5sum',
  'sha256sum',
  'sha1sum',
  'sha512sum',
  'diff',
  'cmp',
  'sort',
  'uniq',
  'wc',
  'cut',
  'jq',
  'awk',
  'view',
]);

const EDITORS = new Set(['vi', 'vim', 'nvim', 'nano', 'emacs', 'ed', 'sudoedit', 'pico', 'joe', 'mcedit']);
const COPY_LIKE = new Set(['cp', 'install', 'ln', 'rsync', 'scp']);

export function commandEffects(name: string, p: ParsedOptions, argv: readonly string[]): Effects {
  const ops = p.operands;
  const none: Effects = { targets: [], writes: [], reads: [] };
  if (TARGET_ALL.has(name) || name.startsWith('mkfs')) return { ...none, targets: [...ops] };
  if (name === 'chmod' || name === 'chown' || name === 'chgrp') {
    const files = p.options.reference !== undefined ? ops : ops.slice(1);
    return { ...none, targets: files };
  }
  if (name === 'mv') {
    const dest = p.options['target-directory'];
    if (dest !== undefined) return { ...none, targets: [...ops], writes: [dest] };
    return { ...none, targets: ops.slice(0, -1), writes: ops.slice(-1) };
  }
  if (COPY_LIKE.has(name)) {
    const dest = p.options['target-directory'];
    if (dest !== undefined) return { ...none, reads: [...ops], writes: [dest] };
    if (ops.length < 2) return { ...none, writes: name === 'install' ? ops : [] };
    return { ...none, reads: ops.slice(0, -1), writes: ops.slice(-1) };
  }
  if (name === 'tee' || name === 'truncate' || name === 'touch' || EDITORS.has(name)) {
    return { ...none, writes: [...ops] };
  }
  if (name === 'dd') {
    const writes: string[] = [];
    const reads: string[] = [];
    for (const w of argv) {
      if (w.startsWith('of=')) writes.push(w.slice(3));
      else if (w.startsWith('if=')) reads.push(w.slice(3));
    }
    return { targets: [...writes], writes, reads };
  }
  if (name === 'sed' && p.flags.has('in-place')) {
    const scriptGiven = p.options.expression !== undefined || p.options.file !== undefined;
    return { ...none, writes: scriptGiven ? [...ops] : ops.slice(1) };
  }
  if (name === 'grep' || name === 'egrep' || name === 'fgrep' || name === 'rg' || name === 'zgrep') {
    const patternGiven = p.options.regexp !== undefined || p.options.file !== undefined;
    return { ...none, reads: patternGiven ? [...ops] : ops.slice(1) };
  }
  if (name === 'curl') {
    const writes = p.options.output !== undefined ? [p.options.output] : [];
    const reads: string[] = [];
    if (p.options['upload-file'] !== undefined) reads.push(p.options['upload-file']);
    const data = p.options.data;
    if (data?.startsWith('@')) reads.push(data.slice(1));
    return { ...none, writes, reads };
  }
  if (name === 'wget') {
    const out = p.options['output-document'];
    return { ...none, writes: out !== undefined && out !== '-' ? [out] : [] };
  }
  if (READS_OPERANDS.has(name)) return { ...none, reads: [...ops] };
  return none;
}

const READ_ONLY = new Set([
  'ls',
  'cat',
  'tac',
  'nl',
  'head',
  'tail',
  'less',
  'more',
  'grep',
  'egrep',
  'fgrep',
  'rg',
  'zgrep',
  'zcat',
  'bzcat',
  'xzcat',
  'stat',
  'file',
  'wc',
  'du',
  'df',
  'free',
  'uptime',
  'uname',
  'id',
  'whoami',
  'who',
  'w',
  'last',
  'lastlog',
  'ps',
  'pgrep',
  'pidof',
  'ss',
  'netstat',
  'lsblk',
  'blkid',
  'lscpu',
  'lsmod',
  'lspci',
  'lsusb',
  'lsof',
  'lsattr',
  'getfacl',
  'findmnt',
  'nproc',
  'arch',
  'echo',
  'printf',
  'pwd',
  'true',
  'false',
  ':',
  'test',
  '[',
  'which',
  'type',
  'whereis',
  'readlink',
  'realpath',
  'dirname',
  'basename',
  'printenv',
  'uniq',
  'cut',
  'tr',
  'jq',
  'diff',
  'cmp',
  'md5sum',
  'sha1sum',
  'sha256sum',
  'sha512sum',
  'cksum',
  'getent',
  'groups',
  'tree',
  'column',
  'od',
  'hexdump',
  'strings',
  'base64',
  'locale',
  'cd',
  'pushd',
  'popd',
  'history',
  'top',
  'htop',
  'vmstat',
  'iostat',
  'mpstat',
  'sar',
  'dig',
  'host',
  'nslookup',
  'ping',
  'tracepath',
  'traceroute',
  'lsns',
  'sestatus',
  'getenforce',
  'systemd-analyze',
  'loginctl',
  'dpkg-query',
  'apt-cache',
  'nginx',
  'hostname',
  'date',
  'sort',
  'env',
  'tar',
  'sed',
  'find',
  'xxd',
  'view',
  'zless',
  'watch',
  'command',
  'ulimit',
  'umask',
  'timedatectl',
  'hostnamectl',
  'localectl',
  'lvs',
  'vgs',
  'pvs',
  'mdadm',
]);

const SYSTEMCTL_READ =
  /^(status|show|cat|is-active|is-enabled|is-failed|is-system-running|list-.*|help|get-default|show-environment)$/;
const APT_READ = /^(list|show|search|policy|depends|rdepends|showsrc|madison|changelog)$/;
const DOCKER_READ =
  /^(ps|images|logs|inspect|info|version|stats|top|port|history|events|diff|search)$|^(network|volume|image|container|context|node|service|secret|config|system)$/;
const GIT_READ =
  /^(status|log|diff|show|blame|rev-parse|describe|ls-files|ls-remote|shortlog|reflog|grep|remote|branch|tag|config|stash)$/;

/** Classify a normalised command as read-only: it only observes the host. */
export function isReadOnly(name: string, p: ParsedOptions, argv: readonly string[]): boolean {
  const sub = p.operands[0];
  switch (name) {
    case 'systemctl':
      return sub === undefined || SYSTEMCTL_READ.test(sub);
    case 'journalctl':
      return ![...p.flags].some((f) => /^(vacuum-.*|rotate|flush|sync|relinquish-var|setup-keys)$/.test(f));
    case 'apt':
    case 'apt-get':
      return sub !== undefined && APT_READ.test(sub);
    case 'dpkg':
      return (
        [
          'list',
          'listfiles',
          'status',
          'search',
          'print-avail',
          'get-selections',
          'l',
          'audit',
          'version',
        ].some((f) => p.flags.has(f)) &&
        !p.flags.has('remove') &&
        !p.flags.has('purge') &&
        !p.flags.has('install')
      );
    case 'docker':
    case 'podman': {
      if (sub === undefined) return true;
      if (!DOCKER_READ.test(sub)) return false;
      const verb = p.operands[1];
      if (/^(network|volume|image|container|context|node|service|secret|config|system)$/.test(sub)) {
        return verb !== undefined && /^(ls|list|inspect|df|info|events)$/.test(verb);
      }
      return true;
    }
    case 'git': {
      if (sub === undefined) return true;
      if (!GIT_READ.test(sub)) return false;
      if (sub === 'branch' || sub === 'tag' || sub === 'remote' || sub === 'stash' || sub === 'config') {
        return (
          p.operands.length === 1 ||
          (sub === 'remote' && p.operands.length === 1) ||
          (sub === 'config' && (p.flags.has('get') || p.flags.has('list') || p.flags.has('l'))) ||
          (sub === 'stash' && p.operands[1] === 'list')
        );
      }
      return true;
    }
    case 'ip':
      return !argv.some((w) =>
        /^(add|del|delete|set|flush|change|replace|append|exec|save|restore|attach|detach)$/.test(w),
      );
    case 'sysctl':
      return (
        !p.flags.has('w') &&
        !p.flags.has('p') &&
        !p.flags.has('system') &&
        !p.operands.some((o) => o.includes('='))
      );
    case 'dmesg':
      return ![
        'c',
        'C',
        'D',
        'E',
        'n',
        'clear',
        'read-clear',
        'console-off',
        'console-on',
        'console-level',
      ].some((f) => p.flags.has(f));
    case 'date':
      return !p.flags.has('s') && !p.flags.has('set') && !p.operands.some((o) => !o.startsWith('+'));
    case 'hostname':
      return p.operands.length === 0 && !p.flags.has('F') && !p.flags.has('file');
    case 'hostnamectl':
    case 'timedatectl':
    case 'localectl':
      return sub === undefined || sub === 'status' || sub === 'show' || sub.startsWith('list');
    case 'sed':
      return !p.flags.has('in-place') && !argv.some((w) => /(^|[;}\s])[wW]\s|(^|[;}\s])e(\s|$)/.test(w));
    case 'find':
      return !argv.some((w) => /^-(delete|exec|execdir|ok|okdir|fprint|fprint0|fprintf|fls)$/.test(w));
    case 'tar':
      return p.flags.has('t') || p.flags.has('list') || /^t/.test(argv[0] ?? '');
    case 'sort':
      return !p.flags.has('o') && !p.flags.has('output');
    case 'env':
    case 'command':
    case 'watch':
      return true;
    case 'crontab':
      return p.flags.has('list');
    case 'nginx':
      return p.flags.has('t') || p.flags.has('T') || p.flags.has('v') || p.flags.has('V');
    case 'mdadm':
      return p.flags.has('detail') || p.flags.has('D') || p.flags.has('examine') || p.flags.has('E');
    case 'xxd':
      return !p.flags.has('revert');
    case 'top':
      return true;
    case 'mount':
      return argv.length === 0 || (argv.length === 1 && argv[0] === '-l');
    default:
      return READ_ONLY.has(name);
  }
}
