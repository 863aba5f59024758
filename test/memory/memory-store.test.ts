import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MemoryStore, openMemory } from '../../src/memory/memory-store.js';
import { SCHEMA_VERSION } from '../../src/memory/migrations.js';
import { tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let mem: MemoryStore;
let file: string;

beforeEach(() => {
  tmp = tempDir();
  file = path.join(tmp.dir, 'sub', 'memory.db');
  mem = openMemory(file);
});
afterEach(() => {
  mem.close();
  tmp.cleanup();
});

describe('openMemory', () => {
  it('creates a private WAL database with foreign keys at the current schema version', () => {
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(mem.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(mem.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(mem.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(Number(mem.db.pragma('busy_timeout', { simple: true }))).toBe(5000);
  });

  it('reopens an existing database without migrating again and keeps its rows', () => {
    mem.recordCommand({ argv: ['apply'] });
    mem.close();
    mem = openMemory(file);
    expect(mem.counts().commands).toBe(1);
  });

  it('refuses a database from a newer schema', () => {
    mem.close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    expect(() => openMemory(file)).toThrow(/newer than this aios supports/);
    mem = openMemory(file, { readonly: true });
  });
});

describe('recording', () => {
  it('stores a command with argv, cwd, exit code, duration and time', () => {
    const id = mem.recordCommand({
      argv: ['apply', '--only', 'file:/etc/motd'],
      cwd: '/srv',
      exitCode: 2,
      durationMs: 123.4,
      ts: Date.UTC(2026, 0, 2, 3, 4, 5),
    });
    const [entry] = mem.history({ kind: 'command' });
    expect(entry?.id).toBe(id);
    expect(entry?.ts).toBe('2026-01-02T03:04:05.000Z');
    expect(entry?.text).toBe('apply --only file:/etc/motd  (exit 2)');
    expect(entry?.data).toMatchObject({
      argv: ['apply', '--only', 'file:/etc/motd'],
      cwd: '/srv',
      exit_code: 2,
      duration_ms: 123,
    });
  });

  it('keeps chat sessions and their messages in order', () => {
    const sid = mem.createSession({ title: 'disk', provider: 'openai', model: 'gpt' });
    mem.addMessage({ sessionId: sid, role: 'user', content: 'why is the disk full?' });
    mem.addMessage({ sessionId: sid, role: 'assistant', content: 'journal logs', data: { tokens: 5 } });
    expect(mem.latestSession()).toMatchObject({ id: sid, title: 'disk', provider: 'openai' });
    expect(mem.messages(sid).map((m) => [m.role, m.content, m.data])).toEqual([
      ['user', 'why is the disk full?', null],
      ['assistant', 'journal logs', { tokens: 5 }],
    ]);
  });

  it('rejects a message for a session that does not exist (foreign keys on)', () => {
    expect(() => mem.addMessage({ sessionId: 'nope', role: 'user', content: 'x' })).toThrow(/FOREIGN KEY/);
  });

  it('records tool calls, decisions, runs and resource events', () => {
    mem.recordToolCall({ tool: 'bash', args: { command: 'df -h' }, resultSummary: '80% used', exitCode: 0 });
    mem.recordDecision({
      action: { tool: 'bash', args: { command: 'rm -rf /' }, reason: 'cleanup' },
      verdict: 'deny',
      rule: 'dangerous:rm-root',
      reason: 'removes the root file system',
      source: 'agent',
    });
    const run = mem.startRun({ trigger: 'apply' });
    mem.recordEvent({
      runId: run,
      resourceId: 'file:/etc/motd',
      status: 'applied',
      label: 'aios',
      changes: [{ field: 'content', before: 'a', after: 'b' }],
      diff: '-a\n+b',
    });
    mem.finishRun(run, { status: 'converged', summary: { applied: 1 } });

    expect(mem.lastRun()).toMatchObject({
      id: run,
      trigger: 'apply',
      status: 'converged',
      summary: { applied: 1 },
    });
    expect(mem.lastRun()?.finishedAt).not.toBeNull();
    const events = mem.runEvents(run);
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({
      resource_id: 'file:/etc/motd',
      status: 'applied',
      label: 'aios',
    });
    expect(events[0]?.data.changes).toEqual([{ field: 'content', before: 'a', after: 'b' }]);
    const [decision] = mem.history({ kind: 'decision' });
    expect(decision?.data).toMatchObject({
      verdict: 'deny',
      rule: 'dangerous:rm-root',
      tool: 'bash',
      source: 'agent',
    });
    expect(mem.history({ kind: 'tool' })[0]?.text).toContain('80% used');
  });

  it('rejects an event status outside applied/drift/failed/blocked/unchanged', () => {
    expect(() =>
      // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
      mem.recordEvent({ resourceId: 'x:y', status: 'weird' as any, label: 'aios' }),
    ).toThrow(/CHECK/);
  });
});

describe('history', () => {
  it('merges every kind newest first and honours limit and kind', () => {
    const t0 = Date.UTC(2026, 0, 1);
    mem.recordCommand({ argv: ['one'], ts: t0 + 1 });
    mem.recordToolCall({ tool: 'stat', args: { path: '/' }, ts: t0 + 3 });
    mem.appendAudit('apply', { n: 1 }, t0 + 2);
    mem.recordCommand({ argv: ['two'], ts: t0 + 4 });
    expect(mem.history().map((e) => e.kind)).toEqual(['command', 'tool', 'audit', 'command']);
    expect(mem.history({ limit: 2 }).map((e) => e.text)).toEqual(['two', expect.stringContaining('stat')]);
    expect(mem.history({ kind: 'command' }).map((e) => e.text)).toEqual(['two', 'one']);
    expect(mem.history({ kind: 'command', before: t0 + 4 }).map((e) => e.text)).toEqual(['one']);
  });

  it('returns nothing for an empty database', () => {
    expect(mem.history()).toEqual([]);
  });
});

describe('counts and size', () => {
  it('counts rows per table and measures the files', () => {
    mem.recordCommand({ argv: ['x'] });
    mem.appendAudit('k', {});
    const counts = mem.counts();
    expect(counts.commands).toBe(1);
    expect(counts.audit_log).toBe(1);
    expect(counts.decisions).toBe(0);
    expect(mem.sizeBytes()).toBeGreaterThan(4096);
  });
});

describe('migrations', () => {
  it('upgrades a pre-release v1 database that indexed inserts by trigger, without double indexing', () => {
    mem.appendAudit('k', { a: 1 });
    mem.recordCommand({ argv: ['before'] });
    // The pre-release layout: an insert trigger into memory_fts, no head row, user_version 1.
    mem.db.exec(`
      CREATE TRIGGER commands_fts_ai AFTER INSERT ON commands BEGIN
        INSERT INTO memory_fts(rowid, body, ts) VALUES (new.id * 8 + 1, new.command, new.ts);
      END;
      DROP TRIGGER audit_head_no_delete; DELETE FROM audit_head; DROP INDEX audit_log_ts;
      PRAGMA user_version = 1;`);
    mem.close();
    mem = openMemory(file);
    expect(mem.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(
      mem.db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'commands_fts_ai'").pluck().get(),
    ).toBe(0);
    mem.recordCommand({ argv: ['after', 'upgrade'] });
    expect(mem.search('upgrade')).toHaveLength(1);
    expect(mem.verifyAudit()).toMatchObject({ ok: true, count: 1 });
    mem.appendAudit('k', { a: 2 });
    expect(mem.verifyAudit()).toMatchObject({ ok: true, count: 2 });
  });
});

describe('open errors', () => {
  it('names the path when the memory cannot be opened', () => {
    const blocker = path.join(tmp.dir, 'a-file');
    writeFileSync(blocker, 'x');
    expect(() => openMemory(path.join(blocker, 'memory.db'))).toThrow(
      /cannot open memory at .*a-file\/memory\.db/,
    );
  });

  it('names the path when the file is not a database', () => {
    const junk = path.join(tmp.dir, 'junk.db');
    writeFileSync(junk, 'this is not sqlite, just text that is long enough to be read as a header...');
    expect(() => openMemory(junk)).toThrow(/cannot open memory at .*junk\.db: file is not a database/);
  });
});
