// createFileExclusive (src/host/create-exclusive.ts), what `aios init` writes the config with:
// creates with the asked mode, never replaces anything, never follows a link, and of racing
// creators exactly one wins with its whole content and no temp file is left behind.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileExclusive } from '../../src/host/create-exclusive.js';
import { RootPath } from '../../src/host/root-path.js';
import { tempDir } from './install-helpers.js';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function root(): { dir: string; rp: RootPath } {
  const dir = tempDir('aios-excl-');
  made.push(dir);
  fs.mkdirSync(path.join(dir, 'etc'));
  return { dir, rp: new RootPath(dir) };
}

describe('createFileExclusive', () => {
  it('creates a file with the mode asked for, whatever the umask', async () => {
    const { dir, rp } = root();
    const old = process.umask(0o077);
    try {
      expect(await createFileExclusive(rp, '/etc/a.toml', 'x = 1\n', { mode: 0o644 })).toBe(true);
    } finally {
      process.umask(old);
    }
    const file = path.join(dir, 'etc/a.toml');
    expect(fs.readFileSync(file, 'utf8')).toBe('x = 1\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o644);
  });

  it('leaves an existing file exactly as it was and says so', async () => {
    const { dir, rp } = root();
    const file = path.join(dir, 'etc/a.toml');
    fs.writeFileSync(file, 'mine\n', { mode: 0o600 });
    const before = fs.statSync(file);
    expect(await createFileExclusive(rp, '/etc/a.toml', 'theirs\n', { mode: 0o644 })).toBe(false);
    const after = fs.statSync(file);
    expect(fs.readFileSync(file, 'utf8')).toBe('mine\n');
    expect([after.mode, after.mtimeMs, after.ino]).toEqual([before.mode, before.mtimeMs, before.ino]);
  });

  it('does not follow a dangling link to create its target', async () => {
    const { dir, rp } = root();
    const target = path.join(dir, 'elsewhere.toml');
    fs.symlinkSync(target, path.join(dir, 'etc/a.toml'));
    expect(await createFileExclusive(rp, '/etc/a.toml', 'x\n', { mode: 0o644 })).toBe(false);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('lets exactly one of many racing creators win, whole, and leaves no temp files', async () => {
    const { dir, rp } = root();
    const contents = Array.from({ length: 12 }, (_, i) => `writer = ${i}\n${'#'.repeat(10_000)}\n`);
    const won = await Promise.all(
      contents.map((c) => createFileExclusive(rp, '/etc/race.toml', c, { mode: 0o600 })),
    );
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, 'etc/race.toml'), 'utf8')).toBe(contents[won.indexOf(true)]);
    expect(fs.readdirSync(path.join(dir, 'etc'))).toEqual(['race.toml']);
  });
});
