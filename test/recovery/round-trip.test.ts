import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from './fixtures.js';

let sb: Sandbox;
afterEach(() => sb?.cleanup());

function getXattr(file: string, name: string): string {
  return execFileSync('getfattr', ['-h', '--only-values', '-n', name, file]).toString();
}

describe('snapshot and restore round trip', () => {
  it('restores contents, modes, owners, symlinks, empty dirs and xattrs after they were changed', async () => {
    sb = sandbox();
    sb.write('/etc/motd', 'hello\n', 0o644);
    sb.write('/etc/secret', 'pw\n', 0o600);
    sb.write('/etc/suid', 'x', 0o4755);
    fs.chownSync(sb.r('/etc/secret'), 1234, 4321);
    fs.symlinkSync('motd', sb.r('/etc/link'));
    fs.mkdirSync(sb.r('/etc/empty'), { mode: 0o750 });
    fs.chmodSync(sb.r('/etc/empty'), 0o750);
    execFileSync('setfattr', ['-n', 'user.tag', '-v', 'blue', sb.r('/etc/motd')]);
    const mtime = fs.statSync(sb.r('/etc/motd')).mtimeMs;
    const store = sb.open();
    const snap = await store.snapshot({ kind: 'manual', description: 'base' });
    expect(snap.files).toBe(6);

    fs.writeFileSync(sb.r('/etc/motd'), 'changed\n');
    execFileSync('setfattr', ['-x', 'user.tag', sb.r('/etc/motd')]);
    fs.chmodSync(sb.r('/etc/secret'), 0o644);
    fs.chownSync(sb.r('/etc/secret'), 0, 0);
    fs.chmodSync(sb.r('/etc/suid'), 0o755);
    fs.unlinkSync(sb.r('/etc/link'));
    fs.symlinkSync('/elsewhere', sb.r('/etc/link'));
    fs.rmdirSync(sb.r('/etc/empty'));
    sb.write('/etc/new-file', 'new');

    const report = await store.restore(snap.id);
    expect(report.removed).toEqual(['/etc/new-file']);
    expect(report.preRestoreSnapshot).toBeDefined();
    expect(fs.readFileSync(sb.r('/etc/motd'), 'utf8')).toBe('hello\n');
    expect(Math.abs(fs.statSync(sb.r('/etc/motd')).mtimeMs - mtime)).toBeLessThan(1);
    expect(getXattr(sb.r('/etc/motd'), 'user.tag')).toBe('blue');
    const secret = fs.statSync(sb.r('/etc/secret'));
    expect([secret.mode & 0o7777, secret.uid, secret.gid]).toEqual([0o600, 1234, 4321]);
    expect(fs.statSync(sb.r('/etc/suid')).mode & 0o7777).toBe(0o4755);
    expect(fs.readlinkSync(sb.r('/etc/link'))).toBe('motd');
    expect(fs.statSync(sb.r('/etc/empty')).mode & 0o7777).toBe(0o750);
    expect(fs.existsSync(sb.r('/etc/new-file'))).toBe(false);
    const again = await store.restore(snap.id, { dryRun: true });
    expect(again.plan).toEqual([]);
    store.close();
  });
});
