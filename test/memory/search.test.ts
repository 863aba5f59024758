import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toFtsQuery } from '../../src/memory/fts-query.js';
import { type MemoryStore, openMemory } from '../../src/memory/memory-store.js';
import { tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let mem: MemoryStore;

beforeEach(() => {
  tmp = tempDir();
  mem = openMemory(path.join(tmp.dir, 'memory.db'));
});
afterEach(() => {
  mem.close();
  tmp.cleanup();
});

function ftsRows(): number {
  return (mem.db.prepare('SELECT count(*) AS n FROM memory_fts').get() as { n: number }).n;
}

describe('search', () => {
  it('finds every kind of record by its text, with a highlighted snippet', () => {
    mem.recordCommand({ argv: ['apt-get', 'install', 'nginx'], cwd: '/root' });
    const sid = mem.createSession({});
    mem.addMessage({ sessionId: sid, role: 'user', content: 'please configure the firewall' });
    mem.recordToolCall({ tool: 'write_file', args: { path: '/etc/motd' }, resultSummary: 'wrote banner' });
    mem.recordDecision({
      action: 'shutdown -h now',
      verdict: 'deny',
      rule: 'critical',
      reason: 'halts host',
      source: 'cli',
    });
    const run = mem.startRun({ trigger: 'resync' });
    mem.recordEvent({
      runId: run,
      resourceId: 'service:sshd',
      status: 'drift',
      label: 'external',
      message: 'stopped by someone',
    });
    mem.appendAudit('snapshot.restore', { snapshot: 'zebra-42' });

    const expectations: [string, string][] = [
      ['nginx', 'command'],
      ['firewall', 'chat'],
      ['banner', 'tool'],
      ['shutdown', 'decision'],
      ['resync', 'reconcile'],
      ['sshd', 'event'],
      ['zebra', 'audit'],
    ];
    for (const [text, kind] of expectations) {
      const hits = mem.search(text);
      expect(
        hits.map((h) => h.kind),
        text,
      ).toEqual([kind]);
      expect(hits[0]?.snippet.toLowerCase()).toContain(`[${text}]`);
    }
  });

  it('ranks by bm25: the closer match comes first', () => {
    mem.recordCommand({ argv: ['echo', 'disk'] });
    mem.recordCommand({ argv: ['echo', 'disk', 'disk', 'disk', 'full'] });
    mem.recordCommand({ argv: ['echo', 'nothing'] });
    const hits = mem.search('disk full');
    expect(hits).toHaveLength(1);
    const both = mem.search('disk');
    expect(both).toHaveLength(2);
    expect(both[0]?.snippet).toContain('full');
    expect(both[0]!.score).toBeGreaterThanOrEqual(both[1]!.score);
  });

  it('filters by kind and limits results', () => {
    for (let i = 0; i < 5; i++) mem.recordCommand({ argv: ['deploy', String(i)] });
    mem.recordToolCall({ tool: 'bash', args: { command: 'deploy' } });
    expect(mem.search('deploy', { kind: 'tool' }).map((h) => h.kind)).toEqual(['tool']);
    expect(mem.search('deploy', { limit: 3 })).toHaveLength(3);
    expect(mem.search('deploy', { limit: 100 })).toHaveLength(6);
  });

  it('accepts FTS syntax characters and operator words as plain text without crashing', () => {
    mem.recordCommand({ argv: ['grep', '-r', 'AND', 'NOT', 'x"y', 'a*b', '(paren)', 'NEAR/3', 'col:val'] });
    const nasty = [
      '"',
      '""',
      '*',
      'AND',
      'OR',
      'NOT',
      '-',
      '--',
      '-r',
      '(',
      ')',
      'NEAR(',
      'NEAR/3',
      'col:val',
      '^',
      'x"y',
      'a*b',
      '{a b}',
      "'",
      '\\',
      '   ',
      '',
      'AND OR NOT',
      '"unterminated',
      'grep*',
      'ÄÖÜ é',
      '😀',
      'body:grep',
      'ts:1',
      '\u0000',
    ];
    for (const q of nasty) expect(() => mem.search(q), q).not.toThrow();
    expect(mem.search('AND').map((h) => h.kind)).toEqual(['command']);
    expect(mem.search('"unterminated')).toEqual([]);
    expect(mem.search('-r')).toHaveLength(1);
    expect(mem.search('gre*')).toHaveLength(1);
    expect(mem.search('col:val')).toHaveLength(1);
    expect(mem.search('   ')).toEqual([]);
  });

  it('quotes every term, so operators are never interpreted', () => {
    expect(toFtsQuery('a AND b')).toBe('"a" "AND" "b"');
    expect(toFtsQuery('say "hi"')).toBe('"say" """hi"""');
    expect(toFtsQuery('inst*')).toBe('"inst"*');
    expect(toFtsQuery('* - "')).toBeNull();
    // A NUL or other control character would end an FTS5 string early: it separates terms.
    expect(toFtsQuery('nginx\u0000restart\u0007')).toBe('"nginx" "restart"');
  });

  it('stays in sync with the tables after updates and deletes', () => {
    const id = mem.recordCommand({ argv: ['echo', 'alpha'] });
    const keep = mem.recordCommand({ argv: ['echo', 'gamma'] });
    expect(mem.search('alpha')).toHaveLength(1);
    expect(ftsRows()).toBe(2);

    mem.db.prepare('UPDATE commands SET command = ? WHERE id = ?').run('echo beta', id);
    expect(mem.search('alpha')).toEqual([]);
    expect(mem.search('beta').map((h) => h.id)).toEqual([id]);
    expect(ftsRows()).toBe(2);

    mem.db.prepare('DELETE FROM commands WHERE id = ?').run(id);
    expect(mem.search('beta')).toEqual([]);
    expect(mem.search('gamma').map((h) => h.id)).toEqual([keep]);
    expect(ftsRows()).toBe(1);

    const run = mem.startRun({ trigger: 'apply' });
    mem.finishRun(run, { status: 'converged', summary: { note: 'walrus' } });
    expect(mem.search('walrus').map((h) => h.kind)).toEqual(['reconcile']);
    expect(mem.search('running')).toEqual([]);

    const sid = mem.createSession({});
    mem.addMessage({ sessionId: sid, role: 'user', content: 'ostrich' });
    mem.db.prepare('DELETE FROM chat_sessions WHERE id = ?').run(sid); // cascades to messages
    expect(mem.search('ostrich')).toEqual([]);
    expect(ftsRows()).toBe(2);
  });
});

describe('search ranking window', () => {
  it('gives every row one id from a shared sequence, in insertion order across tables', () => {
    const a = mem.recordCommand({ argv: ['a'] });
    const b = mem.recordToolCall({ tool: 'stat', args: {} });
    const c = mem.appendAudit('x', {});
    const d = mem.recordCommand({ argv: ['d'] });
    expect(b).toBe(a + 1);
    expect(mem.db.prepare('SELECT id FROM audit_log WHERE seq = ?').pluck().get(c.seq)).toBe(a + 2);
    expect(d).toBe(a + 3);
    mem.transaction(() => {
      for (let i = 0; i < 5; i++) mem.recordCommand({ argv: ['batch', String(i)] });
    });
    expect(mem.recordCommand({ argv: ['after'] })).toBe(d + 6);
  });

  it('ranks only the newest matches when a term is more common than the window', () => {
    // Older rows are better matches (the term three times), newer ones weaker (once).
    for (let i = 0; i < 10; i++) mem.recordCommand({ argv: ['echo', 'kiwi', 'kiwi', 'kiwi', `old${i}`] });
    for (let i = 0; i < 10; i++)
      mem.recordCommand({ argv: ['echo', 'kiwi', 'filler', 'words', 'here', `new${i}`] });
    const windowed = mem.search('kiwi', { window: 10, limit: 5 });
    expect(windowed).toHaveLength(5);
    for (const h of windowed) expect(h.snippet).toMatch(/new\d/);
    const exact = mem.search('kiwi', { window: 0, limit: 5 });
    for (const h of exact) expect(h.snippet).toMatch(/old\d/);
    // Within the window, bm25 decides: the default window covers all 20 here.
    expect(mem.search('kiwi', { limit: 1 })[0]?.snippet).toMatch(/old\d/);
  });

  it('returns each hit with the snippet of its own row', () => {
    const ids = new Map<number, string>();
    for (let i = 0; i < 40; i++) ids.set(mem.recordCommand({ argv: ['plum', `tag${i}`] }), `tag${i}`);
    const hits = mem.search('plum', { limit: 40 });
    expect(hits).toHaveLength(40);
    for (const h of hits) expect(h.snippet).toContain(ids.get(h.id));
  });

  it('reports audit hits by their seq', () => {
    mem.recordCommand({ argv: ['padding'] });
    const { seq } = mem.appendAudit('restore', { snapshot: 'quokka' });
    expect(mem.search('quokka')).toMatchObject([{ kind: 'audit', id: seq }]);
  });
});

describe('index sync for every table', () => {
  const cases: { kind: string; table: string; column: string; add: (m: MemoryStore) => number }[] = [
    {
      kind: 'chat',
      table: 'chat_messages',
      column: 'content',
      add: (m) => m.addMessage({ sessionId: m.createSession({}), role: 'user', content: 'aardvark' }),
    },
    {
      kind: 'tool',
      table: 'tool_calls',
      column: 'result_summary',
      add: (m) => m.recordToolCall({ tool: 'stat', args: {}, resultSummary: 'aardvark' }),
    },
    {
      kind: 'decision',
      table: 'decisions',
      column: 'reason',
      add: (m) =>
        m.recordDecision({ action: 'ls', verdict: 'allow', rule: 'r', reason: 'aardvark', source: 'cli' }),
    },
    {
      kind: 'reconcile',
      table: 'reconcile_runs',
      column: 'status',
      add: (m) => {
        const id = m.startRun({ trigger: 'apply' });
        m.finishRun(id, { status: 'aardvark' });
        return id;
      },
    },
    {
      kind: 'event',
      table: 'resource_events',
      column: 'message',
      add: (m) =>
        m.recordEvent({ resourceId: 'x:y', status: 'drift', label: 'external', message: 'aardvark' }),
    },
  ];
  for (const c of cases) {
    it(`follows updates and deletes of ${c.table}`, () => {
      const id = c.add(mem);
      expect(mem.search('aardvark').map((h) => [h.kind, h.id])).toEqual([[c.kind, id]]);
      mem.db.prepare(`UPDATE ${c.table} SET ${c.column} = 'pangolin' WHERE id = ?`).run(id);
      expect(mem.search('aardvark')).toEqual([]);
      expect(mem.search('pangolin').map((h) => [h.kind, h.id])).toEqual([[c.kind, id]]);
      mem.db.prepare(`DELETE FROM ${c.table} WHERE id = ?`).run(id);
      expect(mem.search('pangolin')).toEqual([]);
    });
  }

  it('follows a hand edit of an audit row once its guard is dropped (and verify flags it)', () => {
    const { seq } = mem.appendAudit('restore', { note: 'aardvark' });
    mem.db.exec('DROP TRIGGER audit_log_no_update');
    mem.db.prepare(`UPDATE audit_log SET payload = '{"note":"pangolin"}' WHERE seq = ?`).run(seq);
    expect(mem.search('aardvark')).toEqual([]);
    expect(mem.search('pangolin').map((h) => h.id)).toEqual([seq]);
    expect(mem.verifyAudit()).toMatchObject({ ok: false, firstBrokenSeq: seq });
  });
});

describe('search limits', () => {
  it('returns as many rows as asked even beyond the ranking window', () => {
    mem.transaction(() => {
      for (let i = 0; i < 60; i++) mem.recordCommand({ argv: ['echo', 'lychee', String(i)] });
    });
    expect(mem.search('lychee', { window: 10, limit: 50 })).toHaveLength(50);
  });
});
