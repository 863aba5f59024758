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
