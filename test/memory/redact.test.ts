import { describe, expect, it } from 'vitest';
import { REDACTED, redact, redactArgv, redactValue } from '../../src/memory/redact.js';

describe('redact', () => {
  const secrets: [string, string][] = [
    ['export OPENAI_API_KEY=sk-proj-abcdefghijklmnop1234567890', 'sk-proj-abcdefghijklmnop1234567890'],
    ['ANTHROPIC_API_KEY="sk-ant-api03-XYZabc123456" aios chat hi', 'sk-ant-api03-XYZabc123456'],
    ['curl -H "Authorization: Bearer abcdefghijklmnop123" https://x', 'abcdefghijklmnop123'],
    ['curl -H "Authorization: Basic dXNlcjpwYXNzd29yZA==" https://x', 'dXNlcjpwYXNzd29yZA=='],
    ['{"api_key": "zzz-secret-value", "name": "x"}', 'zzz-secret-value'],
    ['{"token": 1234567890}', '1234567890'],
    [
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ],
    ['key id AKIAIOSFODNN7EXAMPLE in text', 'AKIAIOSFODNN7EXAMPLE'],
    ['git push https://bob:hunter2pass@github.com/x.git', 'hunter2pass'],
    ['mysql --password=hunter2pass -u root', 'hunter2pass'],
    ['mysql --password hunter2pass -u root', 'hunter2pass'],
    ['push ghp_abcdefghijklmnopqrstuvwxyz0123 now', 'ghp_abcdefghijklmnopqrstuvwxyz0123'],
    ['pat github_pat_11ABCDEFG0123456789_abcdefghijkl', 'github_pat_11ABCDEFG0123456789_abcdefghijkl'],
    ["DB_PASSWORD='p@ss word' ./run", 'p@ss word'],
    ['client_secret: s3cr3tvalue', 's3cr3tvalue'],
    ['DB_PASS=plainpass123 ./migrate', 'plainpass123'],
    ['MYSQL_PWD=plainpwd456 mysql', 'plainpwd456'],
    ['curl -H "Cookie: session=cookieval789; theme=dark"', 'cookieval789'],
    [
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\nafter',
      'b3BlbnNzaC1rZXktdjEAAAAA',
    ],
  ];

  for (const [text, secret] of secrets) {
    it(`hides ${JSON.stringify(secret)} in ${JSON.stringify(text.slice(0, 40))}`, () => {
      const out = redact(text);
      expect(out).not.toContain(secret);
      expect(out).toContain(REDACTED);
    });
  }

  it('keeps the name of a redacted assignment so history stays readable', () => {
    expect(redact('OPENAI_API_KEY=abc123 aios chat')).toBe(`OPENAI_API_KEY=${REDACTED} aios chat`);
    expect(redact('curl -H "Authorization: Bearer abcdefghijk"')).toBe(
      `curl -H "Authorization: Bearer ${REDACTED}"`,
    );
  });

  it('leaves ordinary commands and words alone', () => {
    for (const text of [
      'ls -la /etc && apt-get install nginx',
      'git commit --author="Bob <b@x>" -m "Token validation fixed"',
      'sysctl -w net.ipv4.ip_forward=1',
      'cd $OLDPWD && PWD=/home/ops ls',
      'the compass=north and bypass=yes',
      'the monkey ate a keyboard',
      'Basic configuration done',
    ]) {
      expect(redact(text)).toBe(text);
    }
  });

  it('redacts nested values by property name and content, keeping shapes', () => {
    const out = redactValue({
      a: { password: 'pw-value-1', nested: ['--token', 'tok-value-2'], list: [{ secret: 'sec-value-3' }] },
      s: 'OPENAI_API_KEY=abc-value-4',
      key: 'net.ipv4.ip_forward',
      n: 3,
      ok: true,
    });
    const text = JSON.stringify(out);
    for (const v of ['pw-value-1', 'tok-value-2', 'sec-value-3', 'abc-value-4'])
      expect(text).not.toContain(v);
    expect(out.key).toBe('net.ipv4.ip_forward');
    expect(out.n).toBe(3);
    expect(out.ok).toBe(true);
    expect(out.a.nested[0]).toBe('--token');
  });

  it('hides the argv element after a secret-named flag', () => {
    expect(redactArgv(['mysql', '--password', 'hunter2', '-u', 'root'])).toEqual([
      'mysql',
      '--password',
      REDACTED,
      '-u',
      'root',
    ]);
  });

  it('survives cyclic objects without recursing forever', () => {
    const a: Record<string, unknown> = { name: 'x' };
    a.self = a;
    expect(() => redactValue(a)).not.toThrow();
  });
});

describe('redact on hostile input', () => {
  it('stays linear on long runs that could make its patterns backtrack (200 KB each)', () => {
    const n = 200_000;
    const inputs = [
      `${'-'.repeat(n)} key`,
      `${'a-'.repeat(n / 2)} secret`,
      `${'"a'.repeat(n / 2)} token`,
      `${'a:'.repeat(n / 2)} password`,
      'a://b:'.repeat(n / 6),
      'eyJaaaaaaaaa.'.repeat(n / 13),
      '--token '.repeat(n / 8),
      '{"api_key":'.repeat(n / 11),
      '-----BEGIN RSA PRIVATE KEY-----'.repeat(n / 31),
      'x_key-a.b_'.repeat(n / 10),
    ];
    for (const text of inputs) {
      const started = performance.now();
      const out = redact(text);
      // Quadratic patterns took seconds here; linear ones take milliseconds. The bound is generous
      // because the machine is shared.
      expect(performance.now() - started, text.slice(0, 20)).toBeLessThan(1500);
      expect(typeof out).toBe('string');
    }
  });
});
