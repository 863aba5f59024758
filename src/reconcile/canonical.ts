// Canonical JSON (sorted keys, no whitespace) and its sha256: the plan hash and observed-state
// fingerprints must not depend on key order or on how a controller built its objects. The text is
// written directly rather than through a normalised copy handed to JSON.stringify: it is computed
// for every resource of every plan, and the copy was most of its cost. The output is byte for byte
// what `JSON.stringify(normalised copy)` gave (test/reconcile/canonical.test.ts keeps that
// reference), so plan hashes saved by older versions still match.
import crypto from 'node:crypto';

export function canonicalJson(value: unknown): string {
  // Plain data (what controllers observe and plans hold) goes through JSON.stringify itself, with
  // every key of the tree as its property list in canonical order: that list orders each object's
  // keys, and the native serializer does the rest faster than any JS walk in a cold process.
  const keys = new Set<string>();
  if (value !== undefined && isPlainTree(value, keys, 0)) {
    return JSON.stringify(value, keys.size > 0 ? orderKeys([...keys]) : undefined);
  }
  return write(value, new Set());
}

/**
 * Is `v` made only of plain objects, arrays, strings, booleans, null, finite numbers and
 * undefined (nothing JSON.stringify would treat differently from the canonical form)? Collects
 * every object key on the way. A tree deeper than MAX_PLAIN_DEPTH (a cycle, say) is not plain.
 */
const MAX_PLAIN_DEPTH = 64;
function isPlainTree(v: unknown, keys: Set<string>, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object':
      break;
    default:
      return false;
  }
  if (v === null) return true;
  if (depth >= MAX_PLAIN_DEPTH) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isPlainTree(v[i], keys, depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const k of Object.keys(v)) {
    // An own "__proto__" key (JSON.parse makes them) never reached the old output: take the writer.
    if (k === '__proto__') return false;
    keys.add(k);
    if (!isPlainTree((v as Record<string, unknown>)[k], keys, depth + 1)) return false;
  }
  return true;
}

// crypto.hash (Node >= 20.12) is a one-shot digest: for the short texts hashed here (a fingerprint
// per resource, thousands per plan) it costs a fraction of a Hash object's create/update/digest.
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex') => string })
  .hash;

export function sha256(text: string | Buffer): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
}

export function fingerprint(value: unknown): string {
  return sha256(canonicalJson(value));
}

/** `seen` holds the objects on the current path: a repeat there is a cycle, elsewhere a shared value. */
function write(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object':
      break;
    default:
      return 'null'; // undefined, function, symbol
  }
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return `{"$buffer":${JSON.stringify(sha256(value))}}`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (seen.has(value)) return '"[circular]"';
  seen.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + write(value[i], seen);
    out += ']';
  } else if (value instanceof Map) {
    // As the object of its entries (String(key)); a later duplicate key wins, as Object.fromEntries.
    const o: Record<string, unknown> = {};
    for (const [k, v] of value.entries()) o[String(k)] = v;
    out = writeObject(o, seen);
  } else if (value instanceof Set) {
    out = write([...value], seen);
  } else {
    out = writeObject(value as Record<string, unknown>, seen);
  }
  seen.delete(value);
  return out;
}

/**
 * Keys in the order JSON.stringify printed the sorted copy in: array-index keys ("0", "7", "10")
 * first in numeric order (an object always lists those first), then the others sorted.
 */
function orderedKeys(o: object): string[] {
  return orderKeys(Object.keys(o));
}

function orderKeys(unsorted: string[]): string[] {
  const keys = unsorted.sort();
  let indices: string[] | undefined;
  let rest: string[] | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (isIndex(k)) {
      indices ??= [];
      rest ??= keys.slice(0, i);
      indices.push(k);
    } else rest?.push(k);
  }
  if (!indices || !rest) return keys;
  return [...indices.sort((a, b) => Number(a) - Number(b)), ...rest];
}

function isIndex(k: string): boolean {
  const c = k.charCodeAt(0);
  if (k.length === 0 || c < 48 || c > 57 || (c === 48 && k.length > 1) || k.length > 10) return false;
  for (let i = 1; i < k.length; i++) {
    const d = k.charCodeAt(i);
    if (d < 48 || d > 57) return false;
  }
  return Number(k) < 4294967295;
}

function writeObject(o: Record<string, unknown>, seen: Set<object>): string {
  const keys = orderedKeys(o);
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = o[k];
    // The sorted copy this replaced assigned each key, and assigning "__proto__" sets a prototype
    // instead of a key: such a key never showed in the text, so it does not now.
    if (v === undefined || k === '__proto__') continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${write(v, seen)}`;
    first = false;
  }
  return `${out}}`;
}
