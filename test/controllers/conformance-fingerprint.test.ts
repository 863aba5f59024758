import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDirs, treeFingerprint } from './conformance.js';

// The "second apply writes nothing" step is only as good as this fingerprint: prove it notices the
// quiet writes a careless controller makes.
let dirs: Awaited<ReturnType<typeof makeTempDirs>>;
const file = () => path.join(dirs.root, 'etc/a.conf');
const settle = () => new Promise((r) => setTimeout(r, 20)); // past the file system's timestamp granularity

beforeEach(async () => {
  dirs = await makeTempDirs('aios-fp-');
  await fs.mkdir(path.join(dirs.root, 'etc'));
  await fs.writeFile(file(), 'same\n');
  await settle();
});
afterEach(() => fs.rm(dirs.base, { recursive: true, force: true }));

describe('tree fingerprint', () => {
  it('is stable when nothing happens, including reads', async () => {
    const before = await treeFingerprint(dirs.root);
    await fs.readFile(file());
    expect(await treeFingerprint(dirs.root)).toEqual(before);
  });

  it('notices a rewrite with identical bytes', async () => {
    const before = await treeFingerprint(dirs.root);
    await fs.writeFile(file(), 'same\n');
    expect(await treeFingerprint(dirs.root)).not.toEqual(before);
  });

  it('notices a chmod to the mode the file already has', async () => {
    const before = await treeFingerprint(dirs.root);
    await fs.chmod(file(), (await fs.stat(file())).mode & 0o7777);
    expect(await treeFingerprint(dirs.root)).not.toEqual(before);
  });

  it('notices a temp file created and removed again', async () => {
    const before = await treeFingerprint(dirs.root);
    await fs.writeFile(path.join(dirs.root, 'etc/.tmp'), 'x');
    await fs.rm(path.join(dirs.root, 'etc/.tmp'));
    expect(await treeFingerprint(dirs.root)).not.toEqual(before);
  });

  it('notices an atomic replace by rename with the same contents', async () => {
    const before = await treeFingerprint(dirs.root);
    await fs.writeFile(path.join(dirs.root, 'etc/.a.new'), 'same\n');
    await fs.rename(path.join(dirs.root, 'etc/.a.new'), file());
    expect(await treeFingerprint(dirs.root)).not.toEqual(before);
  });

  it('skips volatile paths', async () => {
    await fs.mkdir(path.join(dirs.root, 'var'));
    await fs.writeFile(path.join(dirs.root, 'var/fake.log'), '');
    const before = await treeFingerprint(dirs.root, ['var/fake.log']);
    await fs.appendFile(path.join(dirs.root, 'var/fake.log'), 'called\n');
    expect(await treeFingerprint(dirs.root, ['var/fake.log'])).toEqual(before);
  });
});
