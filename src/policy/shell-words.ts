// Turns unbash Words into the strings a command would see, as far as that can be known without
// running anything: quotes and escapes removed, `~`/$HOME and statically known variables
// substituted, `$(echo x)` folded, brace expansion expanded. Anything else stays "dynamic".
// It must not guess: an unknown expansion is reported as dynamic, never as an empty string.
import type { ParsedScript, Word, WordPart } from 'unbash';
import { decodeEscapes } from './wrappers.js';

/** One word after static evaluation. */
export interface StaticWord {
  /** The value the command would see, when `dynamic` is false; the source text otherwise. */
  value: string;
  /** Source text as written. */
  text: string;
  /** Part of it comes from an expansion or substitution we could not evaluate. */
  dynamic: boolean;
  /** Unquoted glob characters (`*`, `?`, `[...]`, extglob) are in it. */
  glob: boolean;
  /** The value came (partly) from a variable or `$(...)` we resolved: a sign of obfuscation in command position. */
  indirect: boolean;
  /** An unquoted expansion contributed: bash would split the value on whitespace. */
  split?: boolean;
  /** Part of the value is a `${X:-default}` default: right only if X is unset when it runs. */
  guessed?: boolean;
  /** Index of the first dynamic character in `value` (for "literal prefix" checks); -1 when static. */
  dynamicAt: number;
  /** Scripts of command/process substitutions inside the word (for download/decode detection). */
  scripts: ParsedScript[];
  /** The word is a process substitution `<(...)` / `>(...)` as a whole. */
  procsub: boolean;
}

export interface WordEnv {
  /** Statically known variables (name → value); `null` = assigned something dynamic. */
  vars: Map<string, string | null>;
  home: string;
  cwd: string | undefined;
  /** How many `$(echo …)` folds deep we are (folding stops at 3: hostile nesting stays linear). */
  foldDepth?: number;
}

const MAX_BRACE = 64;

/** Evaluate one word; brace expansion can turn it into several. */
export function evalWord(word: Word, env: WordEnv): StaticWord[] {
  const parts = word.parts;
  if (!parts || parts.length === 0) {
    return [literalWord(expandTilde(word.value, word.text, env), word.text)];
  }
  // Build alternatives: most words have one; brace expansion multiplies them.
  let alts: Piece[] = [emptyPiece()];
  parts.forEach((part, i) => {
    const next = evalPart(part, env, i === 0);
    const combined: Piece[] = [];
    for (const a of alts) for (const b of next) combined.push(joinPiece(a, b));
    alts = combined.slice(0, MAX_BRACE);
  });
  return alts.map((p) => ({
    value: p.value,
    text: word.text,
    dynamic: p.dynamicAt >= 0,
    glob: p.glob,
    indirect: p.indirect,
    split: Boolean(p.split),
    guessed: Boolean(p.guessed),
    dynamicAt: p.dynamicAt,
    scripts: p.scripts,
    procsub: parts.length === 1 && parts[0]?.type === 'ProcessSubstitution',
  }));
}

interface Piece {
  value: string;
  dynamicAt: number;
  glob: boolean;
  indirect: boolean;
  split?: boolean;
  guessed?: boolean;
  scripts: ParsedScript[];
}

function emptyPiece(): Piece {
  return { value: '', dynamicAt: -1, glob: false, indirect: false, scripts: [] };
}

function joinPiece(a: Piece, b: Piece): Piece {
  return {
    value: a.value + b.value,
    dynamicAt: a.dynamicAt >= 0 ? a.dynamicAt : b.dynamicAt >= 0 ? a.value.length + b.dynamicAt : -1,
    glob: a.glob || b.glob,
    indirect: a.indirect || b.indirect,
    split: Boolean(a.split || b.split),
    guessed: Boolean(a.guessed || b.guessed),
    scripts: a.scripts.length === 0 ? b.scripts : [...a.scripts, ...b.scripts],
  };
}

function literalWord(value: string, text: string): StaticWord {
  return {
    value,
    text,
    dynamic: false,
    glob: false,
    indirect: false,
    dynamicAt: -1,
    scripts: [],
    procsub: false,
  };
}

function lit(value: string): Piece {
  return { value, dynamicAt: -1, glob: false, indirect: false, scripts: [] };
}

function dyn(text: string, scripts: ParsedScript[] = []): Piece {
  return { value: text, dynamicAt: 0, glob: false, indirect: false, scripts };
}

function expandTilde(value: string, text: string, env: WordEnv): string {
  if (!text.startsWith('~')) return value;
  if (value === '~' || value.startsWith('~/')) return env.home + value.slice(1);
  const m = /^~([a-z_][a-z0-9_-]*)(\/.*)?$/i.exec(value);
  if (m) return (m[1] === 'root' ? '/root' : `/home/${m[1]}`) + (m[2] ?? '');
  return value;
}

function splitting(p: Piece, quoted: boolean): Piece {
  return quoted || p.dynamicAt >= 0 ? p : { ...p, split: true };
}

function evalPart(part: WordPart, env: WordEnv, first: boolean, quoted = false): Piece[] {
  switch (part.type) {
    case 'Literal':
      return [lit(first && part.text.startsWith('~') ? expandTilde(part.value, part.text, env) : part.value)];
    case 'SingleQuoted':
    case 'AnsiCQuoted':
      return [lit(part.value)];
    case 'DoubleQuoted':
    case 'LocaleString': {
      let acc = emptyPiece();
      for (const child of part.parts) {
        const [p] = evalPart(child, env, false, true);
        if (p) acc = joinPiece(acc, p);
      }
      return [acc];
    }
    case 'Glob':
    case 'ExtendedGlob':
      return [{ ...lit(part.text), glob: true }];
    case 'SimpleExpansion':
    case 'ParameterExpansion':
      return [
        splitting(
          expandVariable(part.type === 'SimpleExpansion' ? part.text.slice(1) : part.parameter, part, env),
          quoted,
        ),
      ];
    case 'CommandExpansion': {
      const folded = part.script ? foldEcho(part.script, env) : undefined;
      if (folded !== undefined) {
        return [
          splitting({ ...lit(folded), indirect: true, scripts: part.script ? [part.script] : [] }, quoted),
        ];
      }
      return [dyn(part.text, part.script ? [part.script] : [])];
    }
    case 'ProcessSubstitution':
      return [dyn(part.text, part.script ? [part.script] : [])];
    case 'ArithmeticExpansion':
      return [dyn(part.text)];
    case 'BraceExpansion':
      return expandBrace(part.text).map((v) => lit(v));
  }
}

function expandVariable(
  name: string,
  part: WordPart & { type: 'SimpleExpansion' | 'ParameterExpansion' },
  env: WordEnv,
): Piece {
  // Plain `$X` / `${X}` are resolved, and `${X:-word}` / `${X:=word}` of a variable this line never
  // set (its default is what runs); other operations (${X/a/b}, ${!X}, ${X:0:1}) stay dynamic.
  if (part.type === 'ParameterExpansion' && (part.operation || part.prefix || part.index)) {
    const op = part.operation;
    if (
      op?.type === 'Default' &&
      !part.prefix &&
      !part.index &&
      /^:?[-=]$/.test(op.operator) &&
      !env.vars.has(name) &&
      !/^(HOME|PWD|IFS|PATH|USER)$/.test(name)
    ) {
      const [w] = evalWord(op.operand, env);
      if (w && !w.dynamic) return { ...lit(w.value), indirect: true, guessed: true };
    }
    return dyn(part.text);
  }
  if (name === 'HOME') return { ...lit(env.home), indirect: true };
  // An unset IFS expands to blanks that word splitting removes: `rm$IFS-rf$IFS/` is `rm -rf /`.
  if (name === 'IFS' && !env.vars.has('IFS')) return { ...lit(' '), indirect: true, split: true };
  if (name === 'PWD' && env.cwd) return { ...lit(env.cwd), indirect: true };
  const v = env.vars.get(name);
  if (typeof v === 'string') return { ...lit(v), indirect: true };
  return dyn(part.text);
}

/** `$(echo a b)` / `$(printf %s x)` with static words fold to their output; anything else does not. */
function foldEcho(script: ParsedScript, outer: WordEnv): string | undefined {
  if ((outer.foldDepth ?? 0) >= 3 || script.errors?.length || script.commands.length !== 1) return undefined;
  const env: WordEnv = { ...outer, foldDepth: (outer.foldDepth ?? 0) + 1 };
  const cmd = script.commands[0]?.command;
  if (cmd?.type !== 'Command' || !cmd.name || cmd.redirects.length > 0) return undefined;
  const words: string[] = [];
  for (const w of [cmd.name, ...cmd.args]) {
    if (w.type !== 'Word') return undefined;
    const ev = evalWord(w, env);
    if (ev.length !== 1 || ev[0]?.dynamic || ev[0]?.glob) return undefined;
    words.push(ev[0]?.value ?? '');
  }
  const [name, ...rest] = words;
  if (name === 'echo') {
    let escapes = false;
    while (rest[0] && /^-[neE]+$/.test(rest[0])) escapes ||= (rest.shift() ?? '').includes('e');
    const text = rest.join(' ');
    return escapes ? decodeEscapes(text) : text;
  }
  if (name === 'printf' && rest.length >= 1) {
    const fmt = rest[0] ?? '';
    if (fmt === '%s' || fmt === '%s\\n') return rest.slice(1).join('');
    if (!fmt.includes('%') && rest.length === 1) return decodeEscapes(fmt).replace(/\n$/, '');
  }
  // `$(which rm)`, `$(command -v rm)`, `$(type -P rm)`: the path of that command.
  const target = rest[rest.length - 1];
  if (target && /^[\w.+-]+$/.test(target)) {
    if (name === 'which' && rest.length === 1) return `/usr/bin/${target}`;
    if ((name === 'command' && rest[0] === '-v') || (name === 'type' && rest[0] === '-P'))
      return `/usr/bin/${target}`;
  }
  return undefined;
}

/** Bash brace expansion of one `{...}` group (comma lists and ranges), nested groups included. */
export function expandBrace(text: string): string[] {
  const open = findTopBrace(text);
  if (!open) return [text];
  const { start, end, items } = open;
  const pre = text.slice(0, start);
  const post = text.slice(end + 1);
  const out: string[] = [];
  for (const item of items) {
    for (const tail of expandBrace(post)) {
      for (const mid of expandBrace(item)) {
        out.push(pre + mid + tail);
        if (out.length >= MAX_BRACE) return out;
      }
    }
  }
  return out;
}

function findTopBrace(text: string): { start: number; end: number; items: string[] } | undefined {
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '{') continue;
    let depth = 0;
    const commas: number[] = [];
    for (let j = i; j < text.length; j++) {
      const c = text[j];
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) {
          const inner = text.slice(i + 1, j);
          if (commas.length > 0) {
            const items: string[] = [];
            let from = i + 1;
            for (const k of commas) {
              items.push(text.slice(from, k));
              from = k + 1;
            }
            items.push(text.slice(from, j));
            return { start: i, end: j, items };
          }
          const range = /^(-?\d+|[a-zA-Z])\.\.(-?\d+|[a-zA-Z])$/.exec(inner);
          if (range) return { start: i, end: j, items: expandRange(range[1] ?? '', range[2] ?? '') };
          break;
        }
      } else if (c === ',' && depth === 1) commas.push(j);
    }
  }
  return undefined;
}

function expandRange(a: string, b: string): string[] {
  const numeric = /^-?\d+$/.test(a) && /^-?\d+$/.test(b);
  const from = numeric ? Number(a) : a.charCodeAt(0);
  const to = numeric ? Number(b) : b.charCodeAt(0);
  const step = from <= to ? 1 : -1;
  const out: string[] = [];
  for (let v = from; out.length < MAX_BRACE; v += step) {
    out.push(numeric ? String(v) : String.fromCharCode(v));
    if (v === to) break;
  }
  return out;
}
