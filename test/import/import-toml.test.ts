// The spec writer and the sensitivity rules of `aios import`, without a CLI.
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { classifySensitive } from '../../src/specs/import-sensitive.js';
import { renderSpec } from '../../src/specs/import-toml.js';

describe('renderSpec', () => {
  const awkward = [
    'plain\n',
    "ends with a quote'",
    "ends with quote and newline'\n",
    "has ''' inside\n",
    'windows\r\nline\r\n',
    'tab\there\n',
    'bell\u0007 and escape\u001b[0m\n',
    'unicode ✓ ünï\n',
    'no newline at end',
    '"""basic delimiters"""\n',
    '\\backslash \\n not a newline\n',
    '',
    '\n\n',
  ];

  it.each(awkward)('writes %j so that it reads back byte for byte', (content) => {
    const text = renderSpec([{ kind: 'file', fields: { path: '/etc/x', content } }]);
    expect((parse(text) as { file: { content: string }[] }).file[0]?.content).toBe(content);
  });

  it('uses a literal block for ordinary multi-line text', () => {
    const text = renderSpec([{ kind: 'file', fields: { path: '/etc/x', content: 'a\nb\n' } }]);
    expect(text).toContain("content = '''\na\nb\n'''");
  });

  it('keeps key order, skips undefined values and writes notes as comments', () => {
    const text = renderSpec(
      [
        {
          kind: 'user',
          fields: { name: 'u', uid: 7, home: undefined, groups: ['a', 'b'] },
          notes: ['hello'],
        },
      ],
      ['header'],
    );
    expect(text).toBe('# header\n\n# hello\n[[user]]\nname = "u"\nuid = 7\ngroups = [ "a", "b" ]\n');
  });
});

describe('classifySensitive', () => {
  it.each([
    ['/etc/shadow', '0640'],
    ['/etc/app.conf', '0600'],
    ['/etc/ssh/ssh_host_ed25519_key', '0644'],
    ['/etc/ssl/private/site.pem', '0644'],
    ['/root/.netrc', '0644'],
    ['/etc/gshadow', '0644'],
    ['/etc/app/api_token', '0644'],
  ])('treats %s (mode %s) as sensitive', (p, mode) => {
    expect(classifySensitive(p, mode).sensitive).toBe(true);
  });

  it.each([
    ['/etc/passwd', '0644'],
    ['/etc/group', '0644'],
    ['/etc/hosts', '0644'],
    ['/etc/ssh/ssh_host_ed25519_key.pub', '0644'],
  ])('treats %s (mode %s) as public', (p, mode) => {
    expect(classifySensitive(p, mode).sensitive).toBe(false);
  });

  it('finds a private key by its contents whatever the name', () => {
    const v = classifySensitive('/etc/app/bundle', '0644', 'x\n-----BEGIN OPENSSH PRIVATE KEY-----\n');
    expect(v).toEqual({ sensitive: true, reason: 'it holds a private key' });
  });
});
