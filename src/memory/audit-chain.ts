// The audit log's hash chain: canonical serialisation, row hashes and verification. Pure functions
// over rows, so the verifier trusts nothing in the database (triggers may have been dropped and rows
// edited by hand). It must not depend on SQLite: the store feeds it rows.
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditRow {
  seq: number;
  /** Milliseconds since the epoch. */
  ts: number;
  kind: string;
  /** Canonical JSON (see canonicalJson). */
  payload: string;
  prev_hash: string;
  hash: string;
}

export type AuditVerifyResult =
  | { ok: true; count: number; head: { seq: number; hash: string } | null }
  | { ok: false; count: number; firstBrokenSeq: number; reason: string };

/** JSON with object keys sorted at every level, so equal values always hash alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, 0));
}

function sortKeys(value: unknown, depth: number): unknown {
  if (depth > 64) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => sortKeys(v, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v, depth + 1);
    }
    return out;
  }
  return value;
}

/** sha256(prev_hash + canonical row); the row's seq is inside, so renumbering breaks the chain too. */
export function hashAuditRow(
  prevHash: string,
  row: Pick<AuditRow, 'seq' | 'ts' | 'kind' | 'payload'>,
): string {
  const canonical = JSON.stringify([row.seq, row.ts, row.kind, row.payload]);
  return createHash('sha256').update(prevHash).update(canonical).digest('hex');
}

/**
 * Walks rows in seq order and reports the first one that is missing, edited or out of place.
 * `head` is the separately kept newest (seq, hash): it catches a deleted tail.
 */
export function verifyAuditRows(
  rows: Iterable<AuditRow>,
  head: { seq: number; hash: string } | undefined,
): AuditVerifyResult {
  let prevHash = GENESIS_HASH;
  let expected = 1;
  let count = 0;
  for (const row of rows) {
    count++;
    if (row.seq !== expected) {
      return {
        ok: false,
        count,
        firstBrokenSeq: expected,
        reason: row.seq > expected ? `row ${expected} is missing` : `row ${row.seq} is out of order`,
      };
    }
    if (row.prev_hash !== prevHash) {
      return {
        ok: false,
        count,
        firstBrokenSeq: row.seq,
        reason: `prev_hash does not match the hash of row ${row.seq - 1} (that row or this one was changed)`,
      };
    }
    if (typeof row.payload !== 'string' || hashAuditRow(prevHash, row) !== row.hash) {
      return { ok: false, count, firstBrokenSeq: row.seq, reason: `row ${row.seq} was modified` };
    }
    prevHash = row.hash;
    expected++;
  }
  const last = expected - 1;
  if (head === undefined || head.seq === 0) {
    if (last === 0) return { ok: true, count, head: null };
    return { ok: false, count, firstBrokenSeq: 1, reason: 'the audit head record is missing or reset' };
  }
  if (head.seq > last) {
    return {
      ok: false,
      count,
      firstBrokenSeq: last + 1,
      reason: `rows ${last + 1}..${head.seq} were deleted`,
    };
  }
  if (head.seq < last || head.hash !== prevHash) {
    return {
      ok: false,
      count,
      firstBrokenSeq: Math.min(head.seq + 1, last),
      reason: 'the audit head record does not match the last row',
    };
  }
  return { ok: true, count, head: { seq: last, hash: prevHash } };
}
