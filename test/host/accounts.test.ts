import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGroup, parsePasswd, readAccounts } from '../../src/host/accounts.js';
import { RootPath } from '../../src/host/root-path.js';

const dirs: string[] = [];
function root(files: Record<string, string>): RootPath {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-accounts-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return new RootPath(dir);
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('accounts', () => {
  it('parses passwd lines and skips comments, NIS entries and malformed lines', () => {
    const users = parsePasswd(
      '# comment\nroot:x:0:0:root:/root:/bin/bash\n+nis::::::\nbroken:x:abc:0::/:/bin/sh\nbob:x:1001:1001:Bob B,,,:/home/bob:/bin/zsh\nshort:x:1\n',
    );
    expect(users).toEqual([
      { name: 'root', uid: 0, gid: 0, gecos: 'root', home: '/root', shell: '/bin/bash' },
      { name: 'bob', uid: 1001, gid: 1001, gecos: 'Bob B,,,', home: '/home/bob', shell: '/bin/zsh' },
    ]);
  });

  it('parses group members', () => {
    expect(parseGroup('sudo:x:27:alice,bob\nempty:x:30:\n')).toEqual([
      { name: 'sudo', gid: 27, members: ['alice', 'bob'] },
      { name: 'empty', gid: 30, members: [] },
    ]);
  });

  it("resolves names against the root's files, not the machine's", async () => {
    const r = root({
      'etc/passwd': 'root:x:0:0::/root:/bin/sh\nwww:x:4242:4343::/var/www:/usr/sbin/nologin\n',
      'etc/group': 'root:x:0:\nwww:x:4343:\n',
    });
    const a = await readAccounts(r);
    expect(a.resolveUid('www')).toBe(4242);
    expect(a.resolveGid('www')).toBe(4343);
    expect(a.userName(4242)).toBe('www');
    expect(a.groupName(4343)).toBe('www');
    expect(a.userByName('www')?.home).toBe('/var/www');
  });

  it('accepts numeric ids and names unknown ids by their number', async () => {
    const a = await readAccounts(root({ 'etc/passwd': 'root:x:0:0::/root:/bin/sh\n' }));
    expect(a.resolveUid('5000')).toBe(5000);
    expect(a.resolveGid(77)).toBe(77);
    expect(a.userName(5000)).toBe('5000');
  });

  it('throws a HostError naming an unknown user or group', async () => {
    const a = await readAccounts(root({ 'etc/passwd': '', 'etc/group': '' }));
    expect(() => a.resolveUid('nobody-here')).toThrow(/unknown user "nobody-here"/);
    expect(() => a.resolveGid('nogroup-here')).toThrow(/unknown group "nogroup-here"/);
  });

  it('treats a root without account files as having no names', async () => {
    const a = await readAccounts(root({}));
    expect(a.users).toEqual([]);
    expect(a.groups).toEqual([]);
    expect(a.resolveUid('0')).toBe(0);
  });

  it('prefers a user literally named like a number over the numeric reading', async () => {
    const a = await readAccounts(root({ 'etc/passwd': '1000:x:2000:2000::/:/bin/sh\n' }));
    expect(a.resolveUid('1000')).toBe(2000);
  });
});
