import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemory } from '../../src/memory/memory-store.js';
import { tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

// Each planted value is unique, so finding it anywhere in the files means it was stored.
const S = {
  openai: 'sk-proj-PLANTEDopenai0000000000000001',
  anthropic: 'sk-ant-api03-PLANTEDanthropic000000002',
  ghp: 'ghp_PLANTEDgithub0000000000000000000003',
  pat: 'github_pat_11PLANTED0000000000_patpatpat00004',
  bearer: 'PLANTEDbearer0000000000005',
  akia: 'AKIAPLANTED000000006',
  awsSecret: 'PLANTEDawsSecret/000000000000000000000007',
  pem: 'MIIEPLANTEDpemBody00000000000000008',
  jsonKey: 'PLANTEDjsonApiKey000000009',
  password: 'PLANTEDpassword0000000010',
  envToken: 'PLANTEDenvToken0000000011',
  flag: 'PLANTEDflagSecret0000000012',
  urlPass: 'PLANTEDurlPass0000000013',
};

const pem = `-----BEGIN RSA PRIVATE KEY-----\n${S.pem}\nabcdef\n-----END RSA PRIVATE KEY-----`;
const text = (n: number) =>
  [
    `OPENAI_API_KEY=${S.openai}`,
    `ANTHROPIC_API_KEY="${S.anthropic}"`,
    `git remote add o https://x:${S.urlPass}@example.org/r.git`,
    `curl -H "Authorization: Bearer ${S.bearer}"`,
    `${S.ghp} ${S.pat} ${S.akia}`,
    `aws_secret_access_key=${S.awsSecret}`,
    `{"api_key": "${S.jsonKey}"}`,
    `DB_PASSWORD=${S.password} MY_TOKEN=${S.envToken}`,
    `mysql --password ${S.flag}`,
    pem,
    `#${n}`,
  ].join('\n');

function scan(file: string): string[] {
  const found: string[] = [];
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    const f = file + suffix;
    if (!existsSync(f)) continue;
    const bytes = readFileSync(f).toString('latin1');
    for (const [name, value] of Object.entries(S)) {
      if (bytes.includes(value)) found.push(`${name} in ${path.basename(f)}`);
    }
  }
  return found;
}

describe('secrets never reach the database files', () => {
  it('redacts planted secrets passed through every record method (db, -wal and -shm bytes)', () => {
    const file = path.join(tmp.dir, 'memory.db');
    const mem = openMemory(file);
    const t = text(1);
    mem.recordCommand({
      argv: ['sh', '-c', t, '--password', S.flag, `--api-key=${S.jsonKey}`],
      cwd: `/home/u/${S.ghp}`,
      source: t,
    });
    const sid = mem.createSession({ title: t, provider: t, model: t });
    mem.addMessage({ sessionId: sid, role: 'user', content: t, data: { api_key: S.jsonKey, note: t } });
    mem.recordToolCall({
      tool: 'bash',
      args: {
        command: t,
        env: { OPENAI_API_KEY: S.openai, password: S.password },
        argv: ['--token', S.envToken],
      },
      resultSummary: t,
      sessionId: sid,
      resourceId: `exec:${S.akia}`,
    });
    mem.recordDecision({ action: t, verdict: 'deny', rule: t, reason: t, source: t });
    mem.recordDecision({
      action: {
        tool: 'bash',
        args: { command: t, secret: S.password },
        reason: t,
        resource: `exec:${S.ghp}`,
      },
      verdict: 'confirm',
      rule: 'r',
      reason: t,
      source: 'agent',
    });
    const run = mem.startRun({ trigger: t });
    mem.recordEvent({
      runId: run,
      resourceId: `file:/etc/${S.pat}`,
      status: 'drift',
      label: 'external',
      changes: [{ field: 'content', before: t, after: { password: S.password, text: t } }],
      diff: `-${t}\n+${t}`,
      message: t,
    });
    mem.finishRun(run, { status: t, summary: { text: t, token: S.envToken } });
    mem.appendAudit(`kind ${S.openai}`, { text: t, nested: { client_secret: S.password, list: [t] } });

    // While open: the WAL holds the fresh pages.
    expect(scan(file)).toEqual([]);
    // The redacted rows are there and searchable, with markers in place of values.
    expect(mem.search('OPENAI_API_KEY').length).toBeGreaterThan(3);
    expect(mem.counts()).toMatchObject({
      commands: 1,
      chat_messages: 1,
      tool_calls: 1,
      decisions: 2,
      audit_log: 1,
    });
    mem.close();
    expect(scan(file)).toEqual([]);
    expect(readFileSync(file).toString('latin1')).toContain('[REDACTED]');
  });
});
