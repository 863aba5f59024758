// Canonical JSON (sorted keys, no whitespace) and its sha256: the plan hash and observed-state
// fingerprints must not depend on key order or on how a controller built its objects.
import crypto from 'node:crypto';

export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value, new WeakSet()));
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

function normalise(value: unknown, seen: WeakSet<object>): unknown {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return { $buffer: sha256(value) };
  if (value instanceof Date) return value.toISOString();
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) out = value.map((v) => normalise(v, seen));
  else if (value instanceof Map)
    out = normalise(Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), v])), seen);
  else if (value instanceof Set) out = [...value].map((v) => normalise(v, seen));
  else {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) o[k] = normalise(v, seen);
    }
    out = o;
  }
  seen.delete(value);
  return out;
}
