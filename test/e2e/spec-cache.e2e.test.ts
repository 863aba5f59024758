// End to end: the validated-spec cache in data_dir/cache (decision 180) changes speed, never what a
// run sees. Edits, broken files, removed sources and secrets behave exactly as without it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootFile, run, type Sandbox, sandboxes, writeSpec } from './helpers.js';

const box = sandboxes();

const cacheFiles = (s: Sandbox) => {
  const dir = path.join(s.data, 'cache');
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.startsWith('specs-'))
        .map((f) => path.join(dir, f))
    : [];
};

const motd = (text: string) => `[[file]]\npath = "/etc/motd"\ncontent = "${text}\\n"\nmode = "0644"\n`;

describe('the spec cache', () => {
  it('is written privately after a run, and a converged host stays converged from it', () => {
    const s = box();
    writeSpec(s, 'motd.toml', motd('hello'));
    expect(run(s, ['apply', '--yes']).code).toBe(0);
    const files = cacheFiles(s);
    expect(files).toHaveLength(1);
    expect(fs.statSync(files[0] as string).mode & 0o777).toBe(0o600);
    const again = run(s, ['diff']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes: 1 resource converged.');
  });

  it('sees an edit to a spec file at once', () => {
    const s = box();
    writeSpec(s, 'motd.toml', motd('hello'));
    expect(run(s, ['apply', '--yes']).code).toBe(0);
    writeSpec(s, 'motd.toml', motd('edited'));
    const d = run(s, ['diff']);
    expect(d.code).toBe(2);
    expect(d.stdout).toContain('+edited');
    expect(run(s, ['apply', '--yes']).code).toBe(0);
    expect(fs.readFileSync(rootFile(s, '/etc/motd'), 'utf8')).toBe('edited\n');
  });

  it('still reports a broken edit with its file and line, and applies nothing', () => {
    const s = box();
    writeSpec(s, 'motd.toml', motd('hello'));
    expect(run(s, ['apply', '--yes']).code).toBe(0);
    const file = writeSpec(s, 'motd.toml', `${motd('hello')}mode_typo = 1\n`);
    const r = run(s, ['apply', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:5`);
    expect(r.stderr).toContain('mode_typo');
  });

  it('still refuses a `source` file that has been removed since it was cached', () => {
    const s = box();
    fs.writeFileSync(path.join(s.specs, 'motd.txt'), 'from a file\n');
    writeSpec(s, 'motd.toml', '[[file]]\npath = "/etc/motd"\nsource = "motd.txt"\n');
    expect(run(s, ['apply', '--yes']).code).toBe(0);
    fs.rmSync(path.join(s.specs, 'motd.txt'));
    const r = run(s, ['diff']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('does not exist');
  });

  it('never holds the contents of a sensitive resource', () => {
    const s = box();
    writeSpec(s, 'motd.toml', motd('hello'));
    writeSpec(
      s,
      'secret.toml',
      '[[file]]\npath = "/etc/app.key"\ncontent = "s3cr3t-value-xyz\\n"\nmode = "0600"\nsensitive = true\n',
    );
    expect(run(s, ['apply', '--yes']).code).toBe(0);
    expect(run(s, ['diff']).code).toBe(0);
    const files = cacheFiles(s);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(fs.readFileSync(f).includes('s3cr3t-value-xyz')).toBe(false);
      expect(fs.readFileSync(f).includes('hello')).toBe(true);
    }
  });

  it('forgets a spec file that was deleted', () => {
    const s = box();
    writeSpec(s, 'motd.toml', motd('hello'));
    writeSpec(s, 'issue.toml', '[[file]]\npath = "/etc/issue"\ncontent = "welcome\\n"\n');
    expect(run(s, ['apply', '--yes']).code).toBe(0);
    fs.rmSync(path.join(s.specs, 'issue.toml'));
    const d = run(s, ['diff', '--json']);
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout).resources.map((r: { id: string }) => r.id)).toEqual(['file:/etc/motd']);
  });
});
