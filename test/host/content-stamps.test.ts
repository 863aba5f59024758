import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContentStamps, contentStampsPath, RACY_MS, type StatLike } from '../../src/host/content-stamps.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-stamps-'));
  dirs.push(d);
  return d;
}

// A file last changed at t = 1 000 000.5 ms (sub-second times, as on ext4).
const stat: StatLike = { dev: 2049, ino: 42, size: 6, mtimeMs: 1_000_000.5, ctimeMs: 1_000_000.5 };
const settled = 1_000_000.5 + RACY_MS + 1;

describe('notes of what was read', () => {
  it('vouch for a file whose identity is unchanged since it was read equal', () => {
    const s = ContentStamps.empty();
    expect(s.knownSame('/r/etc/motd', stat, 'hello\n')).toBe(false);
    s.noteSame('/r/etc/motd', stat, 'hello\n', settled);
    expect(s.knownSame('/r/etc/motd', stat, 'hello\n')).toBe(true);
  });

  it('never vouch for a file read right after it changed (a later change could keep its times)', () => {
    const s = ContentStamps.empty();
    s.noteSame('/r/etc/motd', stat, 'hello\n', stat.ctimeMs + RACY_MS - 1);
    expect(s.knownSame('/r/etc/motd', stat, 'hello\n')).toBe(false);
  });

  it('want two seconds of stillness where the file system keeps whole seconds', () => {
    const coarse = { ...stat, mtimeMs: 1_000_000, ctimeMs: 1_000_000 };
    const s = ContentStamps.empty();
    s.noteSame('/r/a', coarse, 'x', 1_000_000 + 1500);
    expect(s.knownSame('/r/a', coarse, 'x')).toBe(false);
    s.noteSame('/r/a', coarse, 'x', 1_000_000 + 2001);
    expect(s.knownSame('/r/a', coarse, 'x')).toBe(true);
  });

  it('do not vouch once anything of the identity changed', () => {
    const s = ContentStamps.empty();
    s.noteSame('/r/a', stat, 'hello\n', settled);
    for (const changed of [
      { ctimeMs: stat.ctimeMs + 1 }, // any write, chmod, chown or utimes
      { mtimeMs: stat.mtimeMs - 1000 },
      { ino: 43 }, // replaced by a rename
      { dev: 2050 },
      { size: 7 },
    ]) {
      expect(s.knownSame('/r/a', { ...stat, ...changed }, 'hello\n')).toBe(false);
    }
  });

  it('do not vouch for other contents than were read (the spec changed)', () => {
    const s = ContentStamps.empty();
    s.noteSame('/r/a', stat, 'hello\n', settled);
    expect(s.knownSame('/r/a', stat, 'HELLO\n')).toBe(false);
  });

  it('are ignored by a full check, which still takes new ones', () => {
    const s = ContentStamps.empty(true);
    s.noteSame('/r/a', stat, 'hello\n', settled);
    expect(s.knownSame('/r/a', stat, 'hello\n')).toBe(false);
    s.full = false;
    expect(s.knownSame('/r/a', stat, 'hello\n')).toBe(true);
  });

  it('are dropped for a file found different', () => {
    const s = ContentStamps.empty();
    s.noteSame('/r/a', stat, 'hello\n', settled);
    s.forget('/r/a');
    expect(s.knownSame('/r/a', stat, 'hello\n')).toBe(false);
  });

  it('survive a save and a load, privately, and hold no file contents', () => {
    const file = contentStampsPath(tempDir(), '/srv/root');
    const s = ContentStamps.empty();
    s.noteSame('/r/a', stat, 'a secret-looking body', settled);
    s.save(file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file).includes('secret-looking')).toBe(false);
    expect(ContentStamps.load(file).knownSame('/r/a', stat, 'a secret-looking body')).toBe(true);
    expect(ContentStamps.load(file, true).knownSame('/r/a', stat, 'a secret-looking body')).toBe(false);
  });

  it('load as empty from a torn, missing or group-writable file', () => {
    const file = contentStampsPath(tempDir(), '/srv/root');
    expect(ContentStamps.load(file).knownSame('/r/a', stat, 'x')).toBe(false);
    const s = ContentStamps.empty();
    s.noteSame('/r/a', stat, 'x', settled);
    s.save(file);
    fs.chmodSync(file, 0o620);
    expect(ContentStamps.load(file).knownSame('/r/a', stat, 'x')).toBe(false);
    fs.chmodSync(file, 0o600);
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 10));
    expect(ContentStamps.load(file).knownSame('/r/a', stat, 'x')).toBe(false);
  });

  it('are written only when a run changed them', () => {
    const file = contentStampsPath(tempDir(), '/srv/root');
    const s = ContentStamps.empty();
    s.noteSame('/r/a', stat, 'x', settled);
    s.save(file);
    const before = fs.statSync(file).mtimeMs;
    const again = ContentStamps.load(file);
    again.noteSame('/r/a', stat, 'x', settled + 5000);
    again.save(file);
    expect(fs.statSync(file).mtimeMs).toBe(before);
  });
});
