import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprint, sha256 } from '../../src/reconcile/canonical.js';
import { Rng } from '../chaos/rng.js';

/**
 * The implementation canonicalJson had before it wrote its text directly: a sorted, normalised copy
 * handed to JSON.stringify. Plan hashes saved by older versions were computed with it, so the new
 * text must equal it byte for byte.
 */
function reference(value: unknown): string {
  const digest = (b: Buffer) => sha256(b);
  const normalise = (v: unknown, seen: WeakSet<object>): unknown => {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return null;
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (v === null || typeof v !== 'object') return v;
    if (Buffer.isBuffer(v)) return { $buffer: digest(v) };
    if (v instanceof Date) return v.toISOString();
    if (seen.has(v)) return '[circular]';
    seen.add(v);
    let out: unknown;
    if (Array.isArray(v)) out = v.map((x) => normalise(x, seen));
    else if (v instanceof Map)
      out = normalise(Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), x])), seen);
    else if (v instanceof Set) out = [...v].map((x) => normalise(x, seen));
    else {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) o[k] = normalise(x, seen);
      }
      out = o;
    }
    seen.delete(v);
    return out;
  };
  return JSON.stringify(normalise(value, new WeakSet()));
}

const keys = [
  'path',
  'type',
  'b',
  'a',
  'B',
  '0',
  '2',
  '10',
  '01',
  '-1',
  '4294967294',
  '4294967295',
  'é',
  '"q"',
  '',
];

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 8 : 13));
  switch (pick) {
    case 0:
      return 'text\n"quoted"\u2028é';
    case 1:
      return Math.floor(next() * 1e6) / 7;
    case 2:
      return [Number.NaN, Number.POSITIVE_INFINITY, -0][Math.floor(next() * 3)];
    case 3:
      return next() > 0.5;
    case 4:
      return null;
    case 5:
      return undefined;
    case 6:
      return 12n;
    case 7:
      return Buffer.from('bytes');
    case 8:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    case 9:
      return new Map([[Math.floor(next() * 3), randomValue(next, depth + 1)]]);
    case 10:
      return new Set([randomValue(next, depth + 1)]);
    case 11:
      return new Date(1_700_000_000_000 + Math.floor(next() * 1e9));
    default: {
      const o: Record<string, unknown> = {};
      const n = Math.floor(next() * 6);
      for (let i = 0; i < n; i++)
        o[keys[Math.floor(next() * keys.length)] as string] = randomValue(next, depth + 1);
      if (next() > 0.9) o.fn = () => 1;
      return o;
    }
  }
}

describe('canonical JSON', () => {
  it('writes exactly the text of the sorted normalised copy it replaced', () => {
    const seeded = new Rng(177);
    const next = () => seeded.next();
    for (let i = 0; i < 5000; i++) {
      const v = randomValue(next, 0);
      expect(canonicalJson(v)).toBe(reference(v));
    }
  });

  it('lists array-index keys first in numeric order, as JSON.stringify of an object does', () => {
    const v = { b: 1, '10': 2, '2': 3, a: 4, '01': 5 };
    expect(canonicalJson(v)).toBe('{"2":3,"10":2,"01":5,"a":4,"b":1}');
    expect(canonicalJson(v)).toBe(reference(v));
  });

  it('leaves out an own "__proto__" key, as the sorted copy did', () => {
    for (const text of [
      '{"__proto__": {"x": 1}, "a": 1}',
      '{"b": {"__proto__": 7}, "a": [{"__proto__": null}]}',
    ]) {
      const v = JSON.parse(text) as unknown;
      expect(canonicalJson(v)).toBe(reference(v));
    }
    expect(canonicalJson(JSON.parse('{"__proto__": 1, "a": 1}'))).toBe('{"a":1}');
  });

  it('marks a cycle but not a value shared by two branches', () => {
    const shared = { x: 1 };
    const cyclic: Record<string, unknown> = { shared, again: shared };
    cyclic.self = cyclic;
    expect(canonicalJson(cyclic)).toBe('{"again":{"x":1},"self":"[circular]","shared":{"x":1}}');
    expect(canonicalJson(cyclic)).toBe(reference(cyclic));
  });

  it('gives the same fingerprint whatever order the keys were built in', () => {
    expect(fingerprint({ a: 1, b: [1, { d: 2, c: 3 }] })).toBe(fingerprint({ b: [1, { c: 3, d: 2 }], a: 1 }));
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
