// statInRoot under a --root: the fast paths (a link-free parent, a missing parent below a link-free
// ancestor) must answer exactly what the careful in-root resolver answers, also when the tree
// changes between two observes of one planning pass.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { statInRoot, statInRootSync } from '../../controllers/root-stat.js';
import { resolveInRoot } from '../../src/host/fs-resolve.js';
import { RootPath } from '../../src/host/root-path.js';

let dir: string;
let root: RootPath;
beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aios-root-stat-')));
  root = new RootPath(dir);
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('statInRoot under a root', () => {
  it('finds nothing below a missing parent, at the path the tools would write', async () => {
    const seen = statInRootSync(root, '/srv/bench/f1.txt', true);
    expect(seen).toEqual({ real: path.join(dir, 'srv/bench/f1.txt'), st: undefined });
    expect(seen.real).toBe(await resolveInRoot(root, '/srv/bench/f1.txt', true));
    expect(statInRootSync(root, '/srv/bench/f2.txt', true).st).toBeUndefined();
  });

  it('sees a file once its missing parent was created, in the same pass', () => {
    expect(statInRootSync(root, '/srv/bench/f1.txt', true).st).toBeUndefined();
    fs.mkdirSync(path.join(dir, 'srv/bench'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'srv/bench/f1.txt'), 'x');
    const seen = statInRootSync(root, '/srv/bench/f1.txt', true);
    expect(seen.real).toBe(path.join(dir, 'srv/bench/f1.txt'));
    expect(seen.st?.isFile()).toBe(true);
  });

  it('resolves a missing parent that became a link inside the root, as the tools do', async () => {
    expect(statInRootSync(root, '/srv/bench/f1.txt', true).st).toBeUndefined();
    // Within the same pass /srv appears as an absolute link: it must mean <root>/data, never /data.
    fs.mkdirSync(path.join(dir, 'data/bench'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data/bench/f1.txt'), 'inside');
    fs.symlinkSync('/data', path.join(dir, 'srv'));
    const seen = statInRootSync(root, '/srv/bench/f1.txt', true);
    expect(seen.real).toBe(path.join(dir, 'data/bench/f1.txt'));
    expect(seen.real).toBe(await resolveInRoot(root, '/srv/bench/f1.txt', true));
    expect(seen.st?.size).toBe('inside'.length);
  });

  it('hands a dangling link on the way to the careful resolver', async () => {
    fs.symlinkSync('/nowhere', path.join(dir, 'srv'));
    const seen = await statInRoot(root, '/srv/bench/f1.txt', true);
    expect(seen).toEqual({ real: await resolveInRoot(root, '/srv/bench/f1.txt', true), st: undefined });
    expect(seen.real).toBe(path.join(dir, 'nowhere/bench/f1.txt'));
  });

  it('maps paths that are not in normal form like RootPath does', () => {
    fs.mkdirSync(path.join(dir, 'etc'));
    fs.writeFileSync(path.join(dir, 'etc/motd'), 'hi');
    for (const p of ['/etc//motd', '/etc/./motd', '/./etc/motd', '/etc/../etc/motd', '/../etc/motd']) {
      const seen = statInRootSync(root, p, true);
      expect(seen.real).toBe(path.join(dir, 'etc/motd'));
      expect(seen.st?.isFile()).toBe(true);
    }
    expect(() => statInRootSync(root, 'etc/motd', true)).toThrow(/absolute/);
  });

  it('takes a final link to its target inside the root only when asked to follow it', () => {
    fs.mkdirSync(path.join(dir, 'etc'));
    fs.writeFileSync(path.join(dir, 'etc/real.conf'), 'conf');
    fs.symlinkSync('/etc/real.conf', path.join(dir, 'etc/link.conf'));
    expect(statInRootSync(root, '/etc/link.conf', true).real).toBe(path.join(dir, 'etc/real.conf'));
    const own = statInRootSync(root, '/etc/link.conf', false);
    expect(own.real).toBe(path.join(dir, 'etc/link.conf'));
    expect(own.st?.isSymbolicLink()).toBe(true);
  });

  it('works a shared parent out once per pass, missing or present, also right under the root', () => {
    const realpath = vi.spyOn(fs.realpathSync, 'native');
    for (let i = 0; i < 50; i++) expect(statInRootSync(root, `/srv/bench/f${i}`, true).st).toBeUndefined();
    const missing = realpath.mock.calls.length;
    expect(missing).toBeLessThanOrEqual(4);
    fs.mkdirSync(path.join(dir, 'srv/bench'), { recursive: true });
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(dir, `srv/bench/f${i}`), 'x');
    for (let i = 0; i < 50; i++)
      expect(statInRootSync(root, `/srv/bench/f${i}`, true).st?.isFile()).toBe(true);
    for (let i = 0; i < 50; i++) expect(statInRootSync(root, `/top${i}`, true).st).toBeUndefined();
    expect(realpath.mock.calls.length - missing).toBeLessThanOrEqual(2);
  });
});
