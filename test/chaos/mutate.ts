// Input mutation for the fuzz suite: byte-level edits (flip, delete, duplicate, truncate, insert a
// token, swap lines, deep nesting) of valid seed texts, plus structure-aware edits of parsed values
// (wrong types, unknown keys, huge and odd numbers, empty and control-character strings). Each case
// is a pure function of (seed, case index), so a failure replays from CHAOS_SEED.
import { parse, stringify } from 'smol-toml';
import type { Rng } from './rng.js';

const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u0007bell',
  '\r',
  '\t',
  '\u202eevil',
  '😀',
  '\ud800',
  'a'.repeat(5000),
  '../../etc/shadow',
  '/etc/../etc/passwd',
  '$(true)',
  '`id`',
  '; echo hi',
  '%s%s%s',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${...} is the odd input here
  '${HOME}',
  '\\',
  '"',
  "'",
  '0644',
  '99999',
  '-1',
  'nginx',
  'file:/etc/motd',
  '__proto__',
  'constructor',
];

const ODD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53,
  -(2 ** 63),
  1e308,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  [],
  [1, 'two', null],
  {},
  { nested: { deeper: { deepest: [[[[]]]] } } },
  ...ODD_STRINGS,
];

export const TOML_TOKENS = [
  '[[',
  ']]',
  '[',
  ']',
  '=',
  '"',
  "'",
  "'''",
  '"""',
  '\n',
  '\r\n',
  '#',
  '{',
  '}',
  ',',
  '.',
  '\\',
  '\\u0000',
  '\\uD800',
  '\u0000',
  '\ufeff',
  'true',
  'nan',
  '-inf',
  '1e999',
  '0x7fffffffffffffffff',
  '99999999999999999999999',
  '1979-05-27T07:32:00Z',
  '1979-13-45',
  '[[file]]\n',
  '[[package]]\n',
  '[[service]]\n',
  '[[rule]]\n',
  '[mode]\n',
  '[aios]\n',
  '[llm]\n',
  '[security]\n',
  'path = "/etc/x"\n',
  'mode = "0644"\n',
  'mode = 644\n',
  'requires = ["file:/a", "file:/a"]\n',
  'notify = ["service:x"]\n',
  'requires = ["nope"]\n',
  'state = "absent"\n',
  'content = "x"\nsource = "y"\n',
  'unknown_key = 1\n',
  'a.b.c.d = 1\n',
  'x = [1, "mixed"]\n',
  'x = { inline = true }\n',
];

export const JSON_TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
  '"',
  '\\',
  '\\u0000',
  '\\ud800',
  'null',
  'true',
  '1e400',
  '-0',
  '"__proto__"',
  '"constructor"',
  '"prototype"',
  '"jsonrpc":"2.0"',
  '"jsonrpc":"1.0"',
  '"id":',
  '"id":{}',
  '"id":1.5',
  '"method":',
  '"params":',
  '"params":[]',
  '"params":"x"',
  '"type":"object"',
  '"effect":"write"',
  '"effect":"root"',
  '"name":"x y"',
  '"$ref":"#"',
  '"pattern":"("',
  '\n',
  '\u0000',
];

function randomChar(rng: Rng): string {
  const r = rng.int(4);
  if (r === 0) return String.fromCharCode(rng.int(32));
  if (r === 1) return String.fromCharCode(32 + rng.int(95));
  if (r === 2) return String.fromCharCode(0x80 + rng.int(0x780));
  return rng.pick(['\n', '"', "'", '[', ']', '=', '{', '}', '\\', ' ']);
}

/** 1–4 byte-level edits of `text`. */
export function mutateText(rng: Rng, text: string, tokens: readonly string[]): string {
  let s = text;
  const edits = rng.range(1, 4);
  for (let e = 0; e < edits; e++) {
    const at = rng.int(s.length + 1);
    switch (rng.int(9)) {
      case 0: // flip one character
        s = s.slice(0, at) + randomChar(rng) + s.slice(at + 1);
        break;
      case 1: // delete a range
        s = s.slice(0, at) + s.slice(at + rng.range(1, 40));
        break;
      case 2: {
        // duplicate a range
        const len = rng.range(1, 200);
        s = s.slice(0, at + len) + s.slice(at, at + len) + s.slice(at + len);
        break;
      }
      case 3: // truncate
        s = s.slice(0, at);
        break;
      case 4: // insert a token
        s = s.slice(0, at) + rng.pick(tokens) + s.slice(at);
        break;
      case 5: {
        // swap two lines
        const lines = s.split('\n');
        const i = rng.int(lines.length);
        const j = rng.int(lines.length);
        [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
        s = lines.join('\n');
        break;
      }
      case 6: {
        // deep nesting: a recursive-descent parser must not blow the stack
        const open = rng.pick(['[', '{', '[[', 'a = [', '{"a":']);
        s = s.slice(0, at) + open.repeat(rng.range(100, 20_000)) + s.slice(at);
        break;
      }
      case 7: // a long run of one character
        s = s.slice(0, at) + randomChar(rng).repeat(rng.range(100, 100_000)) + s.slice(at);
        break;
      default:
        {
          // replace a line with a token
          const lines = s.split('\n');
          lines[rng.int(lines.length)] = rng.pick(tokens);
          s = lines.join('\n');
        }
        break;
    }
  }
  return s;
}

/** A structure-aware edit: one value somewhere in a parsed document replaced, removed or added. */
export function mutateValue(rng: Rng, doc: unknown): unknown {
  const copy = structuredClone(doc) as unknown;
  const containers: (Record<string, unknown> | unknown[])[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      containers.push(v);
      for (const x of v) walk(x);
    } else if (v !== null && typeof v === 'object') {
      containers.push(v as Record<string, unknown>);
      for (const x of Object.values(v as Record<string, unknown>)) walk(x);
    }
  };
  walk(copy);
  if (containers.length === 0) return rng.pick(ODD_VALUES);
  const edits = rng.range(1, 3);
  for (let e = 0; e < edits; e++) {
    const c = rng.pick(containers);
    const odd = structuredClone(rng.pick(ODD_VALUES));
    if (Array.isArray(c)) {
      if (c.length > 0 && rng.chance(0.7)) c[rng.int(c.length)] = odd;
      else c.push(odd);
    } else {
      const keys = Object.keys(c);
      const r = rng.int(3);
      if (r === 0 && keys.length > 0) c[rng.pick(keys)] = odd;
      else if (r === 1 && keys.length > 0) delete c[rng.pick(keys)];
      else c[rng.pick([...ODD_STRINGS.filter((k) => k !== ''), 'unknown_key', 'requires', 'mode'])] = odd;
    }
  }
  return copy;
}

/** One generated input: a structure-aware edit a third of the time, else byte-level edits. */
export function generate(rng: Rng, t: { seeds: string[]; tokens: 'toml' | 'json' }): string {
  const seed = rng.pick(t.seeds);
  if (rng.chance(0.35)) {
    try {
      const doc = t.tokens === 'toml' ? parse(seed) : JSON.parse(seed);
      const mutated = mutateValue(rng, doc);
      return t.tokens === 'toml' ? stringify(mutated as Record<string, unknown>) : JSON.stringify(mutated);
    } catch {
      // stringify refuses some values (null in TOML): fall through to byte-level edits
    }
  }
  return mutateText(rng, seed, t.tokens === 'toml' ? TOML_TOKENS : JSON_TOKENS);
}
