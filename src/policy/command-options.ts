// Option grammars of the commands the rules talk about, so `-rf`, `-fr`, `-r -f`, `-R` and
// `--recursive --force` all become the canonical flags {recursive, force}, and value-taking options
// (`-u root`, `-t nat`) do not swallow or invent operands. Unknown commands get the generic
// GNU parse. This is parser knowledge, not policy: verdicts live in policies/*.toml.

export interface OptionSpec {
  /** Short letter → canonical name (letters not listed keep their own letter as name). */
  short?: Record<string, string>;
  /** Long name → canonical name. */
  long?: Record<string, string>;
  /** Canonical names that take a value (the rest of the cluster, `=value`, or the next word). */
  takesValue?: string[];
  /** Stop option parsing at the first operand (commands whose later words belong to another command). */
  stopAtOperand?: boolean;
}

export interface ParsedOptions {
  flags: Set<string>;
  options: Record<string, string>;
  operands: string[];
  /** Index (into the word list) of each operand, for callers that map back to the original words. */
  operandIndex: number[];
}

const R = { recursive: 'recursive', force: 'force' };

export const OPTION_SPECS: Record<string, OptionSpec> = {
  rm: {
    short: {
      r: 'recursive',
      R: 'recursive',
      f: 'force',
      i: 'interactive',
      I: 'interactive',
      d: 'dir',
      v: 'verbose',
    },
    long: { ...R, 'no-preserve-root': 'no-preserve-root', 'preserve-root': 'preserve-root', dir: 'dir' },
  },
  chmod: {
    short: { R: 'recursive', f: 'silent', v: 'verbose', c: 'changes' },
    long: { recursive: 'recursive', 'no-preserve-root': 'no-preserve-root', reference: 'reference' },
    takesValue: ['reference'],
  },
  chown: {
    short: { R: 'recursive', f: 'silent', v: 'verbose', c: 'changes', h: 'no-dereference' },
    long: {
      recursive: 'recursive',
      'no-preserve-root': 'no-preserve-root',
      reference: 'reference',
      from: 'from',
    },
    takesValue: ['reference', 'from'],
  },
  chgrp: {
    short: { R: 'recursive', f: 'silent', v: 'verbose', c: 'changes', h: 'no-dereference' },
    long: { recursive: 'recursive', 'no-preserve-root': 'no-preserve-root', reference: 'reference' },
    takesValue: ['reference'],
  },
  cp: {
    short: { r: 'recursive', R: 'recursive', a: 'archive', f: 'force', t: 'target-directory', S: 'suffix' },
    long: {
      recursive: 'recursive',
      force: 'force',
      'target-directory': 'target-directory',
      suffix: 'suffix',
    },
    takesValue: ['target-directory', 'suffix'],
  },
  mv: {
    short: { f: 'force', t: 'target-directory', S: 'suffix' },
    long: { force: 'force', 'target-directory': 'target-directory', suffix: 'suffix' },
    takesValue: ['target-directory', 'suffix'],
  },
  install: {
    short: { m: 'mode', o: 'owner', g: 'group', t: 'target-directory', S: 'suffix', d: 'directory' },
    long: { mode: 'mode', owner: 'owner', group: 'group', 'target-directory': 'target-directory' },
    takesValue: ['mode', 'owner', 'group', 'target-directory', 'suffix'],
  },
  ln: {
    short: { s: 'symbolic', f: 'force', t: 'target-directory', S: 'suffix' },
    long: { symbolic: 'symbolic', force: 'force', 'target-directory': 'target-directory' },
    takesValue: ['target-directory', 'suffix'],
  },
  tee: { short: { a: 'append' }, long: { append: 'append' } },
  sed: {
    short: {
      i: 'in-place',
      e: 'expression',
      f: 'file',
      n: 'quiet',
      E: 'regexp-extended',
      r: 'regexp-extended',
    },
    long: { 'in-place': 'in-place', expression: 'expression', file: 'file', quiet: 'quiet', silent: 'quiet' },
    takesValue: ['expression', 'file'],
  },
  truncate: {
    short: { s: 'size', r: 'reference' },
    long: { size: 'size' },
    takesValue: ['size', 'reference'],
  },
  shred: {
    short: { n: 'iterations', u: 'remove', z: 'zero', f: 'force', s: 'size' },
    takesValue: ['iterations', 'size'],
  },
  kill: { short: { s: 'signal', n: 'signal', l: 'list', L: 'table' }, takesValue: ['signal'] },
  pkill: { short: { signal: 'signal', u: 'euid', U: 'uid', g: 'pgroup', P: 'parent', t: 'terminal' } },
  killall: {
    short: { s: 'signal', u: 'user' },
    long: { signal: 'signal', user: 'user' },
    takesValue: ['signal', 'user'],
  },
  iptables: {
    short: {
      F: 'flush',
      X: 'delete-chain',
      P: 'policy',
      t: 'table',
      A: 'append',
      D: 'delete',
      I: 'insert',
      L: 'list',
      Z: 'zero',
      S: 'list-rules',
      j: 'jump',
      p: 'protocol',
      s: 'source',
      d: 'destination',
      i: 'in-interface',
      o: 'out-interface',
      m: 'match',
    },
    long: { flush: 'flush', 'delete-chain': 'delete-chain', policy: 'policy', table: 'table', list: 'list' },
    takesValue: [
      'table',
      'append',
      'delete',
      'insert',
      'jump',
      'protocol',
      'source',
      'destination',
      'in-interface',
      'out-interface',
      'match',
    ],
  },
  apt: {
    short: { y: 'yes', q: 'quiet', o: 'option', t: 'target-release', c: 'config-file' },
    takesValue: ['option', 'target-release', 'config-file'],
  },
  dpkg: {
    short: {
      r: 'remove',
      P: 'purge',
      i: 'install',
      l: 'list',
      L: 'listfiles',
      s: 'status',
      S: 'search',
      p: 'print-avail',
    },
    long: {
      remove: 'remove',
      purge: 'purge',
      install: 'install',
      list: 'list',
      listfiles: 'listfiles',
      status: 'status',
      search: 'search',
      'force-all': 'force-all',
      'force-remove-essential': 'force-remove-essential',
      root: 'root',
      admindir: 'admindir',
    },
    takesValue: ['root', 'admindir'],
  },
  dd: {},
  chattr: { short: { R: 'recursive', V: 'verbose', f: 'silent' } },
  setfacl: {
    short: { R: 'recursive', m: 'modify', x: 'remove', M: 'modify-file', X: 'remove-file' },
    long: { recursive: 'recursive' },
    takesValue: ['modify', 'remove', 'modify-file', 'remove-file'],
  },
  passwd: {
    short: { d: 'delete', l: 'lock', u: 'unlock', e: 'expire', S: 'status' },
    long: { delete: 'delete' },
  },
  usermod: {
    short: {
      p: 'password',
      L: 'lock',
      s: 'shell',
      d: 'home',
      g: 'gid',
      G: 'groups',
      l: 'login',
      u: 'uid',
      c: 'comment',
      e: 'expiredate',
      f: 'inactive',
    },
    takesValue: [
      'password',
      'shell',
      'home',
      'gid',
      'groups',
      'login',
      'uid',
      'comment',
      'expiredate',
      'inactive',
    ],
  },
  find: { stopAtOperand: false },
  systemctl: {
    short: { H: 'host', M: 'machine', t: 'type', p: 'property', s: 'signal', n: 'lines', o: 'output' },
    takesValue: ['host', 'machine', 'type', 'property', 'signal', 'lines', 'output'],
  },
  journalctl: {
    short: {
      u: 'unit',
      n: 'lines',
      p: 'priority',
      o: 'output',
      b: 'boot',
      S: 'since',
      U: 'until',
      t: 'identifier',
      D: 'directory',
      M: 'machine',
    },
    takesValue: [
      'unit',
      'lines',
      'priority',
      'output',
      'since',
      'until',
      'identifier',
      'directory',
      'machine',
    ],
  },
  grep: {
    short: { e: 'regexp', f: 'file', m: 'max-count', A: 'after', B: 'before', C: 'context' },
    takesValue: ['regexp', 'file', 'max-count', 'after', 'before', 'context'],
  },
  tar: {
    short: { f: 'file', C: 'directory', T: 'files-from', X: 'exclude-from' },
    long: { file: 'file', directory: 'directory' },
    takesValue: ['file', 'directory', 'files-from', 'exclude-from'],
  },
  curl: {
    short: {
      o: 'output',
      d: 'data',
      H: 'header',
      X: 'request',
      u: 'user',
      A: 'user-agent',
      T: 'upload-file',
      w: 'write-out',
      m: 'max-time',
      e: 'referer',
      x: 'proxy',
      F: 'form',
      b: 'cookie',
      c: 'cookie-jar',
      K: 'config',
      D: 'dump-header',
      r: 'range',
      E: 'cert',
    },
    long: { output: 'output' },
    takesValue: [
      'output',
      'data',
      'header',
      'request',
      'user',
      'user-agent',
      'upload-file',
      'write-out',
      'max-time',
      'referer',
      'proxy',
      'form',
      'cookie',
      'cookie-jar',
      'config',
      'dump-header',
      'range',
      'cert',
    ],
  },
  wget: {
    short: {
      O: 'output-document',
      o: 'output-file',
      P: 'directory-prefix',
      U: 'user-agent',
      t: 'tries',
      T: 'timeout',
    },
    long: { 'output-document': 'output-document' },
    takesValue: ['output-document', 'output-file', 'directory-prefix', 'user-agent', 'tries', 'timeout'],
  },
  base64: {
    short: { d: 'decode', D: 'decode', w: 'wrap', i: 'ignore-garbage' },
    long: { decode: 'decode' },
    takesValue: ['wrap'],
  },
  base32: { short: { d: 'decode', w: 'wrap' }, long: { decode: 'decode' }, takesValue: ['wrap'] },
  basenc: { short: { d: 'decode' }, long: { decode: 'decode' } },
  xxd: {
    short: { r: 'revert', p: 'plain', c: 'cols', l: 'len', s: 'seek', g: 'groupsize' },
    takesValue: ['cols', 'len', 'seek', 'groupsize'],
  },
  ufw: {},
  nft: { short: { f: 'file', I: 'includepath' }, takesValue: ['file', 'includepath'] },
  mkswap: { short: { L: 'label', U: 'uuid', p: 'pagesize' }, takesValue: ['label', 'uuid', 'pagesize'] },
  crontab: { short: { u: 'user', r: 'remove', l: 'list', e: 'edit' }, takesValue: ['user'] },
  useradd: {},
  userdel: { short: { r: 'remove', f: 'force', R: 'root', P: 'prefix' }, takesValue: ['root', 'prefix'] },
  ip: { short: { n: 'netns', f: 'family' }, takesValue: ['netns', 'family'] },
};
OPTION_SPECS['apt-get'] = OPTION_SPECS.apt as OptionSpec;
OPTION_SPECS.ip6tables = OPTION_SPECS.iptables as OptionSpec;
OPTION_SPECS['iptables-legacy'] = OPTION_SPECS.iptables as OptionSpec;
OPTION_SPECS['iptables-nft'] = OPTION_SPECS.iptables as OptionSpec;
OPTION_SPECS.unlink = {};
OPTION_SPECS.rmdir = { short: { p: 'parents' } };
OPTION_SPECS.egrep = OPTION_SPECS.grep as OptionSpec;
OPTION_SPECS.fgrep = OPTION_SPECS.grep as OptionSpec;

/** Parse `words` (everything after the command name) with the spec of `name`, GNU-style. */
export function parseOptions(name: string, words: readonly string[]): ParsedOptions {
  const spec = OPTION_SPECS[name] ?? {};
  const flags = new Set<string>();
  const options: Record<string, string> = {};
  const operands: string[] = [];
  const operandIndex: number[] = [];
  const takes = new Set(spec.takesValue ?? []);
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '--') {
      i++;
      break;
    }
    if (w.startsWith('--') && w.length > 2) {
      const eq = w.indexOf('=');
      const raw = eq >= 0 ? w.slice(2, eq) : w.slice(2);
      const canon = spec.long?.[raw] ?? raw;
      flags.add(canon);
      if (eq >= 0) options[canon] = w.slice(eq + 1);
      else if (takes.has(canon) && i + 1 < words.length) options[canon] = words[++i] ?? '';
      continue;
    }
    if (w.startsWith('-') && w.length > 1 && !isNumberLike(name, w)) {
      for (let k = 1; k < w.length; k++) {
        const letter = w[k] ?? '';
        const canon = spec.short?.[letter] ?? letter;
        flags.add(canon);
        if (takes.has(canon)) {
          const rest = w.slice(k + 1);
          if (rest) options[canon] = rest;
          else if (i + 1 < words.length) options[canon] = words[++i] ?? '';
          break;
        }
      }
      continue;
    }
    operands.push(w);
    operandIndex.push(i);
    if (spec.stopAtOperand) {
      i++;
      break;
    }
  }
  for (; i < words.length; i++) {
    operands.push(words[i] ?? '');
    operandIndex.push(i);
  }
  return { flags, options, operands, operandIndex };
}

function isNumberLike(name: string, w: string): boolean {
  // `kill -9`, `nice -10`, `head -5`: a dash and digits is a signal/count, kept as a flag only for kill.
  return /^-\d+$/.test(w) && name !== 'kill';
}
