import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashAuditRow } from '../../src/memory/audit-chain.js';
import { type MemoryStore, openMemory } from '../../src/memory/memory-store.js';
import { tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let mem: MemoryStore;

beforeEach(() => {
  tmp = tempDir();
  mem = openMemory(path.join(tmp.dir, 'memory.db'));
  for (let i = 1; i <= 10; i++) mem.appendAudit('apply', { step: i, resource: `file:/etc/f${i}` });
});
afterEach(() => {
  mem.close();
  tmp.cleanup();
});

/** What someone with write access to the file could do: drop the guards, then edit by hand. */
function dropGuards(): void {
  mem.db.exec(`DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;`);
}

describe('audit log', () => {
  it('chains rows: each prev_hash is the previous hash and the chain verifies', () => {
    const rows = mem.auditEntries();
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(rows[0]?.prevHash).toBe('0'.repeat(64));
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prevHash).toBe(rows[i - 1]?.hash);
    expect(rows[3]?.payload).toEqual({ step: 4, resource: 'file:/etc/f4' });
    expect(mem.verifyAudit()).toEqual({ ok: true, count: 10, head: { seq: 10, hash: rows[9]?.hash } });
  });

  it('returns the new seq and hash from appendAudit', () => {
    const r = mem.appendAudit('restore', { id: 'snap-1' });
    expect(r.seq).toBe(11);
    expect(mem.auditEntries({ afterSeq: 10 })[0]?.hash).toBe(r.hash);
  });

  it('refuses UPDATE and DELETE through its triggers', () => {
    expect(() => mem.db.prepare("UPDATE audit_log SET kind = 'x' WHERE seq = 3").run()).toThrow(
      /append-only/,
    );
    expect(() => mem.db.prepare('DELETE FROM audit_log WHERE seq = 3').run()).toThrow(/append-only/);
    expect(() => mem.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(mem.verifyAudit().ok).toBe(true);
  });

  it('finds a hand-edited payload even with the triggers dropped', () => {
    dropGuards();
    mem.db
      .prepare(`UPDATE audit_log SET payload = '{"step":4,"resource":"file:/etc/other"}' WHERE seq = 4`)
      .run();
    expect(mem.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: 4, reason: 'row 4 was modified' });
  });

  it('finds an edit whose row hash was recomputed: the next row no longer links to it', () => {
    dropGuards();
    const row = mem.db.prepare('SELECT * FROM audit_log WHERE seq = 6').get() as {
      seq: number;
      ts: number;
      kind: string;
      prev_hash: string;
    };
    const payload = '{"forged":true}';
    const hash = hashAuditRow(row.prev_hash, { seq: 6, ts: row.ts, kind: row.kind, payload });
    mem.db.prepare('UPDATE audit_log SET payload = ?, hash = ? WHERE seq = 6').run(payload, hash);
    expect(mem.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: 7 });
  });

  it('finds a deleted row in the middle', () => {
    dropGuards();
    mem.db.prepare('DELETE FROM audit_log WHERE seq = 5').run();
    expect(mem.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: 5, reason: 'row 5 is missing' });
  });

  it('finds a deleted first row', () => {
    dropGuards();
    mem.db.prepare('DELETE FROM audit_log WHERE seq = 1').run();
    expect(mem.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: 1 });
  });

  it('finds deleted rows at the end through the head record', () => {
    dropGuards();
    mem.db.prepare('DELETE FROM audit_log WHERE seq >= 9').run();
    expect(mem.verifyAudit()).toMatchObject({
      ok: false,
      firstBrokenSeq: 9,
      reason: 'rows 9..10 were deleted',
    });
  });

  it('finds renumbered rows', () => {
    dropGuards();
    mem.db.exec('DELETE FROM audit_log WHERE seq = 3; UPDATE audit_log SET seq = seq - 1 WHERE seq > 3;');
    expect(mem.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: 3 });
  });

  it('finds a changed timestamp or kind', () => {
    dropGuards();
    mem.db.prepare('UPDATE audit_log SET ts = ts + 1 WHERE seq = 2').run();
    expect(mem.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: 2 });
  });

  it('finds a wiped log whose head record remains', () => {
    dropGuards();
    mem.db.prepare('DELETE FROM audit_log').run();
    expect(mem.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: 1 });
  });

  it('verifies an empty log', () => {
    const other = openMemory(path.join(tmp.dir, 'empty.db'));
    expect(other.verifyAudit()).toEqual({ ok: true, count: 0, head: null });
    other.close();
  });

  it('hashes payloads canonically: key order does not matter', () => {
    const a = mem.appendAudit('k', { b: 1, a: { d: 2, c: 3 } });
    const rows = mem.auditEntries({ afterSeq: a.seq - 1 });
    expect(mem.db.prepare('SELECT payload FROM audit_log WHERE seq = ?').pluck().get(a.seq)).toBe(
      '{"a":{"c":3,"d":2},"b":1}',
    );
    expect(rows[0]?.payload).toEqual({ a: { c: 3, d: 2 }, b: 1 });
  });
});
