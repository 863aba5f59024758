// End to end: notes of what was read (decision 183) let a run skip reading unchanged files, and
// never hide a change. The built CLI against temp roots; assertions on exit codes and files.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootFile, run, type Sandbox, sandboxes, writeSpec } from './helpers.js';

const box = sandboxes();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Applied, then read again once the files have been still for longer than the racy margin. */
async function settledBox(): Promise<Sandbox> {
  const s = box();
  writeSpec(s, 'motd.toml', '[[file]]\npath = "/etc/motd"\ncontent = "hello\\n"\nmode = "0644"\n');
  expect(run(s, ['apply', '--yes']).code).toBe(0);
  await sleep(250);
  expect(run(s, ['diff']).code).toBe(0);
  const notes = fs.readdirSync(path.join(s.data, 'cache')).filter((f) => f.startsWith('content-'));
  expect(notes).toHaveLength(1);
  return s;
}

describe('notes of what was read', () => {
  it('still see a same-size edit whose mtime was put back (its ctime moved)', async () => {
    const s = await settledBox();
    const motd = rootFile(s, '/etc/motd');
    const { atime, mtime } = fs.statSync(motd);
    fs.writeFileSync(motd, 'HELLO\n');
    fs.utimesSync(motd, atime, mtime);
    const d = run(s, ['diff']);
    expect(d.code).toBe(2);
    expect(d.stdout).toContain('+hello');
    expect(run(s, ['apply', '--yes']).code).toBe(0);
    expect(fs.readFileSync(motd, 'utf8')).toBe('hello\n');
  });

  it('still see a file replaced by another with the same contents size', async () => {
    const s = await settledBox();
    const motd = rootFile(s, '/etc/motd');
    const tmp = `${motd}.new`;
    fs.writeFileSync(tmp, 'howdy\n');
    fs.renameSync(tmp, motd);
    expect(run(s, ['diff']).code).toBe(2);
  });

  it('follow a spec edit to new contents', async () => {
    const s = await settledBox();
    writeSpec(s, 'motd.toml', '[[file]]\npath = "/etc/motd"\ncontent = "HOWDY\\n"\nmode = "0644"\n');
    const d = run(s, ['diff']);
    expect(d.code).toBe(2);
    expect(d.stdout).toContain('+HOWDY');
  });

  it('are ignored with --full, which reads every file', async () => {
    const s = await settledBox();
    const full = run(s, ['diff', '--full']);
    expect(full.code).toBe(0);
    expect(full.stdout).toContain('No changes: 1 resource converged.');
    expect(run(s, ['apply', '--yes', '--full']).code).toBe(0);
  });

  it('are never taken for a sensitive file', async () => {
    const s = box();
    writeSpec(
      s,
      'key.toml',
      '[[file]]\npath = "/etc/app.key"\ncontent = "k3y-material-123\\n"\nmode = "0600"\nsensitive = true\n\n[[file]]\npath = "/etc/motd"\ncontent = "hello\\n"\n',
    );
    expect(run(s, ['apply', '--yes']).code).toBe(0);
    await sleep(250);
    expect(run(s, ['diff']).code).toBe(0);
    const dir = path.join(s.data, 'cache');
    const notes = fs.readdirSync(dir).filter((f) => f.startsWith('content-'));
    expect(notes).toHaveLength(1);
    const bytes = fs.readFileSync(path.join(dir, notes[0] as string));
    expect(bytes.includes('/etc/motd')).toBe(true);
    expect(bytes.includes('app.key')).toBe(false);
  });
});
