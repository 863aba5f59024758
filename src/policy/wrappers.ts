// Commands that run another command: sudo, doas, env, nice, ionice, timeout, nohup, stdbuf,
// command, exec, xargs, busybox, su -c, ssh HOST CMD, watch, flock, chroot, ... Each entry knows
// its own options, so `sudo -u root rm` strips to `rm` and `timeout -s KILL 5 rm` to `rm`.
// Only the grammar of the wrappers lives here; the analyser decides what to do with the result.

export interface WrapperSplit {
  /** How the wrapper is shown in a decision, e.g. "sudo -u root". */
  label: string;
  /** Index of the first word of the wrapped command. */
  rest: number;
  /** Working directory the wrapper switches to (sudo -D, env -C). */
  cwd?: string;
  /** A command string the wrapper hands to a shell (su -c, ssh host CMD, watch CMD). */
  script?: string;
  scriptIndex?: number;
  /** xargs: the rest is a command template fed from stdin. */
  xargs?: boolean;
  replace?: string;
}

interface Grammar {
  /** Short options taking a value. */
  short?: string;
  /** Long options taking a value (without --). */
  long?: string[];
  /** Operands before the wrapped command (timeout DURATION, chroot DIR, taskset MASK). */
  lead?: number;
  /** Words shaped NAME=VALUE before the command are skipped (env). */
  assignments?: boolean;
  /** Options that, when present, mean no command is wrapped (command -v, ionice -p). */
  noCommand?: RegExp;
  /** Options whose value is a working directory. */
  chdir?: string[];
  /** Options whose value is a shell command string. */
  scriptOption?: string[];
}

const GRAMMARS: Record<string, Grammar> = {
  sudo: {
    short: 'CDghpRrtTUu',
    long: [
      'chdir',
      'group',
      'host',
      'prompt',
      'role',
      'type',
      'user',
      'other-user',
      'close-from',
      'command-timeout',
      'chroot',
    ],
    chdir: ['D', 'chdir'],
    noCommand: /^-(l|v|k|K|V|e|h)$|^--(list|validate|version|help|edit)$/,
  },
  doas: { short: 'uC', noCommand: /^-L$/ },
  pkexec: { long: ['user'] },
  env: {
    short: 'uCS',
    long: ['unset', 'chdir', 'split-string', 'default-signal', 'ignore-signal', 'block-signal'],
    assignments: true,
    chdir: ['C', 'chdir'],
  },
  nice: { short: 'n', long: ['adjustment'] },
  ionice: {
    short: 'cnp',
    long: ['class', 'classdata', 'pid', 'pgid', 'uid'],
    noCommand: /^-[pPu]|^--(pid|pgid|uid)/,
  },
  timeout: { short: 'sk', long: ['signal', 'kill-after'], lead: 1 },
  nohup: {},
  setsid: {},
  stdbuf: { short: 'ioe', long: ['input', 'output', 'error'] },
  command: { noCommand: /^-[vV]+$/ },
  builtin: {},
  exec: { short: 'a' },
  time: { short: 'of', long: ['output', 'format'] },
  chroot: { long: ['userspec', 'groups'], lead: 1 },
  taskset: { lead: 1, noCommand: /^-[a-z]*p/ },
  chrt: { short: 'TPD', lead: 1, noCommand: /^-[a-z]*p/ },
  nsenter: { short: 'tSGw', long: ['target', 'setuid', 'setgid', 'wd'] },
  'systemd-run': {
    short: 'upMHE',
    long: [
      'unit',
      'property',
      'machine',
      'host',
      'setenv',
      'uid',
      'gid',
      'nice',
      'working-directory',
      'slice',
      'description',
      'on-calendar',
      'on-active',
      'on-boot',
      'on-startup',
      'on-unit-active',
      'on-unit-inactive',
      'timer-property',
      'path-property',
      'socket-property',
      'service-type',
      'expand-environment',
    ],
  },
  unbuffer: {},
  catchsegv: {},
  strace: { short: 'eopsuEIbaXP', long: ['output', 'trace', 'signal', 'user'] },
  ltrace: { short: 'eopsuEIbaXP' },
  proxychains: { short: 'f' },
  proxychains4: { short: 'f' },
  torsocks: {},
  firejail: {},
  runuser: {
    short: 'ugGsw',
    long: ['user', 'group', 'supp-group', 'shell', 'whitelist-environment'],
    scriptOption: ['c', 'command'],
  },
  su: {
    short: 'gGsw',
    long: ['group', 'supp-group', 'shell', 'whitelist-environment'],
    scriptOption: ['c', 'command'],
  },
  screen: { short: 'ScpTteh', noCommand: /^-(ls|list|r|R|x|X|wipe|v|Q)$/ },
  script: {
    short: 'ETIOBm',
    long: ['log-io', 'log-timing', 'log-in', 'log-out', 'echo', 'logging-format'],
    scriptOption: ['c', 'command'],
    noCommand: /^-V$/,
  },
  sg: { lead: 1, scriptOption: ['c'] },
  setpriv: {},
  unshare: {
    short: 'S',
    long: ['setuid', 'setgid', 'root', 'wd', 'propagation', 'setgroups', 'map-user', 'map-group'],
  },
  chpst: { short: 'ugUe/nlLmdofpcr' },
  flock: { short: 'wE', long: ['timeout', 'conflict-exit-code'], lead: 1, scriptOption: ['c', 'command'] },
};

export const SHELLS = new Set([
  'bash',
  'sh',
  'dash',
  'zsh',
  'ksh',
  'ash',
  'mksh',
  'rbash',
  'fish',
  'yash',
  'posh',
  'ksh93',
]);

/** Interpreters whose inline code or stdin program can run anything. */
export function interpreterKind(
  name: string,
): 'python' | 'perl' | 'ruby' | 'node' | 'php' | 'awk' | undefined {
  if (/^python[0-9.]*$|^pypy[0-9]*$/.test(name)) return 'python';
  if (/^perl[0-9.]*$/.test(name)) return 'perl';
  if (/^ruby[0-9.]*$|^irb$/.test(name)) return 'ruby';
  if (name === 'node' || name === 'nodejs' || name === 'deno' || name === 'bun') return 'node';
  if (/^php[0-9.]*$/.test(name)) return 'php';
  if (/^(awk|gawk|mawk|nawk)$/.test(name)) return 'awk';
  if (/^(lua[0-9.]*|luajit|Rscript|tclsh[0-9.]*)$/.test(name)) return 'ruby';
  return undefined;
}

export function splitWrapper(name: string, words: readonly string[]): WrapperSplit | undefined {
  if (name === 'busybox' || name === 'toybox') {
    const applet = words[1];
    return applet && !applet.startsWith('-') ? { label: name, rest: 1 } : undefined;
  }
  if (name === 'xargs') return splitXargs(words);
  if (name === 'ssh') return splitSsh(words);
  if (name === 'watch') return splitWatch(words);
  if (name === 'tmux') return splitTmux(words);
  const g = GRAMMARS[name];
  if (!g) return undefined;
  const shortValue = g.short ?? '';
  const longValue = new Set(g.long ?? []);
  const scriptOpt = new Set(g.scriptOption ?? []);
  const chdir = new Set(g.chdir ?? []);
  let cwd: string | undefined;
  let script: { value: string; index: number } | undefined;
  let lead = g.lead ?? 0;
  const label: string[] = [name];
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '--') {
      i++;
      break;
    }
    if (g.noCommand?.test(w)) return undefined;
    if (w.startsWith('--') && w.length > 2) {
      const eq = w.indexOf('=');
      const opt = eq >= 0 ? w.slice(2, eq) : w.slice(2);
      let value: string | undefined = eq >= 0 ? w.slice(eq + 1) : undefined;
      let valueIndex = i;
      if (value === undefined && (longValue.has(opt) || scriptOpt.has(opt))) {
        value = words[i + 1];
        valueIndex = ++i;
      }
      if (value !== undefined && scriptOpt.has(opt)) script = { value, index: valueIndex };
      if (value !== undefined && chdir.has(opt)) cwd = value;
      label.push(w);
      continue;
    }
    if (w.startsWith('-') && w.length > 1 && !(name === 'su' && w === '-')) {
      label.push(w);
      if (/^-\d+$/.test(w)) continue; // nice -10
      for (let k = 1; k < w.length; k++) {
        const letter = w[k] ?? '';
        if (shortValue.includes(letter) || scriptOpt.has(letter)) {
          const attached = w.slice(k + 1);
          let value = attached;
          let valueIndex = i;
          if (!attached) {
            value = words[i + 1] ?? '';
            valueIndex = ++i;
            label.push(value);
          }
          if (scriptOpt.has(letter)) script = { value, index: valueIndex };
          if (chdir.has(letter)) cwd = value;
          if (name === 'env' && letter === 'S') {
            // env -S 'cmd args': the string is split into the command's words.
            return {
              label: label.join(' '),
              rest: i + 1,
              script: `${value} ${words.slice(i + 1).join(' ')}`.trim(),
              scriptIndex: valueIndex,
            };
          }
          break;
        }
      }
      continue;
    }
    if (name === 'su' && w === '-') continue;
    if (g.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) {
      label.push(w);
      continue;
    }
    if (lead > 0) {
      lead--;
      label.push(w);
      continue;
    }
    if (name === 'su' || name === 'runuser') {
      // su USER [-c CMD]: the operand is a user name; later -c still counts (getopt permutes).
      label.push(w);
      continue;
    }
    break;
  }
  const out: WrapperSplit = { label: label.join(' '), rest: i };
  if (cwd !== undefined) out.cwd = cwd;
  if (script) {
    out.script = script.value;
    out.scriptIndex = script.index;
    return out;
  }
  if (i >= words.length) return undefined;
  return out;
}

function splitXargs(words: readonly string[]): WrapperSplit {
  const valueShort = 'adEILnPs';
  const longValue = new Set([
    'arg-file',
    'delimiter',
    'eof',
    'replace',
    'max-lines',
    'max-args',
    'max-procs',
    'max-chars',
    'process-slot-var',
  ]);
  let replace: string | undefined;
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '--') {
      i++;
      break;
    }
    if (w.startsWith('--')) {
      const eq = w.indexOf('=');
      const opt = eq >= 0 ? w.slice(2, eq) : w.slice(2);
      let value = eq >= 0 ? w.slice(eq + 1) : undefined;
      if (value === undefined && longValue.has(opt)) value = words[++i];
      if (opt === 'replace') replace = value ?? '{}';
      continue;
    }
    if (w.startsWith('-') && w.length > 1) {
      if (/^-i/.test(w)) {
        replace = w.slice(2) || '{}';
        continue;
      }
      for (let k = 1; k < w.length; k++) {
        const letter = w[k] ?? '';
        if (valueShort.includes(letter)) {
          const value = w.slice(k + 1) || words[++i] || '';
          if (letter === 'I') replace = value;
          break;
        }
      }
      continue;
    }
    break;
  }
  const out: WrapperSplit = { label: 'xargs', rest: i, xargs: true };
  if (replace !== undefined) out.replace = replace;
  return out;
}

function splitSsh(words: readonly string[]): WrapperSplit | undefined {
  const valueShort = 'BbcDEeFIiJLlmOopQRSWw';
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '--') {
      i++;
      break;
    }
    if (w.startsWith('-') && w.length > 1) {
      const letter = w[w.length - 1] ?? '';
      if (valueShort.includes(letter) && w.length === 2) i++;
      continue;
    }
    break;
  }
  const host = words[i];
  if (host === undefined || i + 1 >= words.length) return undefined;
  return { label: `ssh ${host}`, rest: i + 1, script: words.slice(i + 1).join(' '), scriptIndex: i + 1 };
}

/** `tmux new-session -d 'cmd'` (and new-window, split-window): the last operand runs in a shell. */
function splitTmux(words: readonly string[]): WrapperSplit | undefined {
  const sub = words.findIndex(
    (w, i) => i > 0 && /^(new-session|new|new-window|neww|split-window|splitw|respawn-pane)$/.test(w),
  );
  if (sub < 0) return undefined;
  let i = sub + 1;
  for (; i < words.length; i++) {
    const w = words[i] ?? '';
    if (/^-[ctsnFxyeElpPtw]$/.test(w)) {
      i++;
      continue;
    }
    if (w.startsWith('-')) continue;
    break;
  }
  if (i >= words.length) return undefined;
  return { label: `tmux ${words[sub]}`, rest: i, script: words.slice(i).join(' '), scriptIndex: i };
}

function splitWatch(words: readonly string[]): WrapperSplit | undefined {
  let i = 1;
  let exec = false;
  for (; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '--') {
      i++;
      break;
    }
    if (w === '-x' || w === '--exec') {
      exec = true;
      continue;
    }
    if (/^-[nq]$/.test(w) || /^--(interval|equexit)$/.test(w)) {
      i++;
      continue;
    }
    if (w.startsWith('-') && w.length > 1) continue;
    break;
  }
  if (i >= words.length) return undefined;
  if (exec) return { label: 'watch -x', rest: i };
  return { label: 'watch', rest: i, script: words.slice(i).join(' '), scriptIndex: i };
}

/** Backslash escapes as `printf` and `echo -e` read them (\n, \t, \xHH, \NNN, \0NNN, \uHHHH). */
export function decodeEscapes(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|0?[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x' || e[0] === 'u') return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(Number.parseInt(e, 8));
    const map: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
      e: '\x1b',
      '\\': '\\',
    };
    return map[e] ?? `\\${e}`;
  });
}
