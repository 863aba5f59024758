import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executeAction } from '../../src/tools/execute.js';
import { createBuiltinRegistry } from '../../src/tools/registry.js';
import type { ToolResult } from '../../src/tools/tool.js';
import { makeTempRoot, type TempRoot } from './tool-fixture.js';

let t: TempRoot;
const registry = createBuiltinRegistry();
const call = (tool: string, args: Record<string, unknown>, ctx = t.ctx): Promise<ToolResult> =>
  executeAction(registry, { tool, args, reason: 'test' }, ctx);
const modeOf = (p: string) => fs.statSync(t.real(p)).mode & 0o7777;

beforeEach(() => {
  t = makeTempRoot();
});
afterEach(() => t.cleanup());

describe('read_file', () => {
  it('returns the content of a file under the root', async () => {
    fs.writeFileSync(t.real('etc/motd'), 'hello\n');
    const r = await call('read_file', { path: '/etc/motd' });
    expect(r).toMatchObject({ ok: true, output: 'hello\n', changed: false });
  });

  it('cuts long files at max_bytes and says how much is left', async () => {
    fs.writeFileSync(t.real('etc/big'), 'a'.repeat(1000));
    const r = await call('read_file', { path: '/etc/big', max_bytes: 100 });
    expect(r.ok).toBe(true);
    expect(r.output).toBe(`${'a'.repeat(100)}\n[output truncated: 900 bytes more]`);
  });

  it('reports a missing file as a failed result, named by its host path', async () => {
    const r = await call('read_file', { path: '/etc/nope' });
    expect(r.ok).toBe(false);
    expect(r.output).toContain('no such file or directory: /etc/nope');
    expect(r.output).not.toContain(t.dir);
  });

  it('refuses a FIFO instead of blocking on it', async () => {
    const made = spawnSync('mkfifo', [t.real('etc/fifo')]).status === 0;
    expect(made).toBe(true);
    const r = await call('read_file', { path: '/etc/fifo' });
    expect(r.ok).toBe(false);
    expect(r.output).toContain('not a regular file (other): /etc/fifo');
  });

  it('follows a link to an absolute target inside the root, not on the machine', async () => {
    fs.mkdirSync(t.real('etc/ssl'));
    fs.writeFileSync(t.real('etc/ssl/inside'), 'root copy');
    fs.symlinkSync('/etc/ssl/inside', t.real('etc/link'));
    expect((await call('read_file', { path: '/etc/link' })).output).toBe('root copy');
    fs.symlinkSync('/etc/hostname', t.real('etc/host-link'));
    const r = await call('read_file', { path: '/etc/host-link' });
    expect(r.ok).toBe(false); // /etc/hostname of the temp root does not exist
  });
});

describe('read_file of binary data', () => {
  it('describes a binary file instead of dumping it', async () => {
    fs.writeFileSync(t.real('etc/bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]));
    const r = await call('read_file', { path: '/etc/bin' });
    expect(r).toMatchObject({
      ok: true,
      output: '[binary file: 7 bytes, not shown]',
      data: { binary: true },
    });
  });
});

describe('write_file', () => {
  it('creates a file with the given content, mode and owner', async () => {
    const r = await call('write_file', {
      path: '/etc/app.conf',
      content: 'a=1\n',
      mode: '0640',
      owner: 'alice',
      group: 'web',
    });
    expect(r.ok).toBe(true);
    expect(r.changed).toBe(true);
    expect(r.output).toContain('+a=1');
    const st = fs.statSync(t.real('etc/app.conf'));
    expect(fs.readFileSync(t.real('etc/app.conf'), 'utf8')).toBe('a=1\n');
    expect(st.mode & 0o7777).toBe(0o640);
    expect(st.uid).toBe(1234);
    expect(st.gid).toBe(3456);
  });

  it('reports changed=false and does not touch a file whose content, mode and owner already match', async () => {
    fs.writeFileSync(t.real('etc/same'), 'x\n', { mode: 0o600 });
    fs.chmodSync(t.real('etc/same'), 0o600);
    fs.chownSync(t.real('etc/same'), 1234, 2345);
    const inode = fs.statSync(t.real('etc/same')).ino;
    const r = await call('write_file', { path: '/etc/same', content: 'x\n', mode: '0600', owner: 'alice' });
    expect(r).toMatchObject({ ok: true, changed: false });
    expect(fs.statSync(t.real('etc/same')).ino).toBe(inode);
  });

  it('keeps the existing mode and owner when none is given', async () => {
    fs.writeFileSync(t.real('etc/keep'), 'old\n');
    fs.chmodSync(t.real('etc/keep'), 0o600);
    fs.chownSync(t.real('etc/keep'), 1234, 3456);
    const r = await call('write_file', { path: '/etc/keep', content: 'new\n' });
    expect(r.changed).toBe(true);
    expect(r.output).toContain('-old');
    expect(r.output).toContain('+new');
    const st = fs.statSync(t.real('etc/keep'));
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o600, 1234, 3456]);
    expect(fs.readFileSync(t.real('etc/keep'), 'utf8')).toBe('new\n');
  });

  it('changes only the mode when only the mode differs', async () => {
    fs.writeFileSync(t.real('etc/m'), 'same');
    fs.chmodSync(t.real('etc/m'), 0o644);
    const r = await call('write_file', { path: '/etc/m', content: 'same', mode: '0600' });
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(r.output).toContain('(mode)');
    expect(modeOf('etc/m')).toBe(0o600);
  });

  it('replaces the file only when the validate command accepts the temp file', async () => {
    fs.writeFileSync(t.real('etc/v.conf'), 'good\n');
    const bad = await call('write_file', {
      path: '/etc/v.conf',
      content: 'bad\n',
      validate: 'grep -q good %s || { echo "no good in it" >&2; exit 1; }',
    });
    expect(bad.ok).toBe(false);
    expect(bad.output).toContain('validation failed');
    expect(bad.output).toContain('no good in it');
    expect(fs.readFileSync(t.real('etc/v.conf'), 'utf8')).toBe('good\n');
    expect(fs.readdirSync(t.real('etc')).filter((n) => n.includes('aios-'))).toEqual([]);
    const good = await call('write_file', {
      path: '/etc/v.conf',
      content: 'still good\n',
      validate: 'grep -q good %s',
    });
    expect(good).toMatchObject({ ok: true, changed: true });
    expect(fs.readFileSync(t.real('etc/v.conf'), 'utf8')).toBe('still good\n');
  });

  it('fails clearly when the parent directory is missing or the owner is unknown', async () => {
    const r1 = await call('write_file', { path: '/nope/file', content: 'x' });
    expect(r1.ok).toBe(false);
    expect(r1.output).toContain('parent directory does not exist: /nope');
    const r2 = await call('write_file', { path: '/etc/x', content: 'x', owner: 'mallory' });
    expect(r2.ok).toBe(false);
    expect(r2.output).toContain('unknown user "mallory"');
    expect(fs.existsSync(t.real('etc/x'))).toBe(false);
  });

  it('writes through a final link to its target inside the root, keeping the link', async () => {
    fs.writeFileSync(t.real('etc/target'), 'old');
    fs.symlinkSync('/etc/target', t.real('etc/link'));
    const r = await call('write_file', { path: '/etc/link', content: 'new' });
    expect(r.ok).toBe(true);
    expect(fs.lstatSync(t.real('etc/link')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(t.real('etc/target'), 'utf8')).toBe('new');
  });

  it('summarises instead of diffing a very large change', async () => {
    fs.writeFileSync(t.real('etc/huge'), 'a\n'.repeat(200_000));
    const r = await call('write_file', { path: '/etc/huge', content: 'b\n'.repeat(200_000) });
    expect(r).toMatchObject({ ok: true, changed: true });
    expect(r.output).toContain('[content too large to diff: 400000 -> 400000 bytes]');
    expect(fs.readFileSync(t.real('etc/huge'), 'utf8').slice(0, 4)).toBe('b\nb\n');
  });

  it('refuses to write over a directory', async () => {
    fs.mkdirSync(t.real('etc/d'));
    const r = await call('write_file', { path: '/etc/d', content: 'x' });
    expect(r.ok).toBe(false);
    expect(r.output).toContain('not a regular file (dir)');
  });
});

describe('edit_file', () => {
  it('replaces exactly one occurrence and returns a unified diff', async () => {
    fs.writeFileSync(t.real('etc/e'), 'one\ntwo\nthree\n');
    fs.chmodSync(t.real('etc/e'), 0o600);
    const r = await call('edit_file', { path: '/etc/e', old_text: 'two', new_text: 'TWO' });
    expect(r.ok).toBe(true);
    expect(r.changed).toBe(true);
    expect(r.output).toContain('--- a/etc/e');
    expect(r.output).toContain('+++ b/etc/e');
    expect(r.output).toContain('-two\n+TWO');
    expect(fs.readFileSync(t.real('etc/e'), 'utf8')).toBe('one\nTWO\nthree\n');
    expect(modeOf('etc/e')).toBe(0o600);
  });

  it('refuses text that occurs twice or not at all and leaves the file alone', async () => {
    fs.writeFileSync(t.real('etc/e'), 'a\na\n');
    const twice = await call('edit_file', { path: '/etc/e', old_text: 'a', new_text: 'b' });
    expect(twice.ok).toBe(false);
    expect(twice.output).toContain('occurs 2 times');
    const none = await call('edit_file', { path: '/etc/e', old_text: 'zzz', new_text: 'b' });
    expect(none.ok).toBe(false);
    expect(none.output).toContain('not found');
    expect(fs.readFileSync(t.real('etc/e'), 'utf8')).toBe('a\na\n');
  });

  it('treats replacement text with $ patterns literally', async () => {
    fs.writeFileSync(t.real('etc/e'), 'price: X\n');
    await call('edit_file', { path: '/etc/e', old_text: 'X', new_text: "$& $' $1" });
    expect(fs.readFileSync(t.real('etc/e'), 'utf8')).toBe("price: $& $' $1\n");
  });
});

describe('list_dir and stat', () => {
  it('lists entries with type, mode, owner and link targets', async () => {
    fs.mkdirSync(t.real('srv'));
    fs.writeFileSync(t.real('srv/a.txt'), 'abc');
    fs.chownSync(t.real('srv/a.txt'), 1234, 2345);
    fs.mkdirSync(t.real('srv/sub'));
    fs.symlinkSync('/srv/a.txt', t.real('srv/l'));
    const r = await call('list_dir', { path: '/srv' });
    expect(r.ok).toBe(true);
    const lines = r.output.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^- 0644 alice:staff +3 a\.txt$/);
    expect(lines[1]).toMatch(/^l \d{4} root:root +\d+ l -> \/srv\/a\.txt$/);
    expect(lines[2]).toMatch(/^d 0755 root:root +\d+ sub\/$/);
  });

  it('describes a path without following a final link, and a missing path as not existing', async () => {
    fs.symlinkSync('/etc/passwd', t.real('etc/pl'));
    const link = await call('stat', { path: '/etc/pl' });
    expect(link.ok).toBe(true);
    expect(link.data).toMatchObject({ exists: true, type: 'symlink', target: '/etc/passwd' });
    const missing = await call('stat', { path: '/etc/missing' });
    expect(missing).toMatchObject({ ok: true, data: { exists: false } });
    expect(missing.output).toBe('/etc/missing: does not exist');
    fs.chmodSync(t.real('etc/passwd'), 0o4755);
    expect((await call('stat', { path: '/etc/passwd' })).data).toMatchObject({
      mode: '4755',
      type: 'file',
      owner: 'root',
    });
  });
});
