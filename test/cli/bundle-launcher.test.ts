import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// dist/cli/aios.js (the tsc output of cli/aios.ts) runs the bundle only while its stamp matches
// dist/.tsbuildinfo. Checked on a copy of the launcher with stand-in programs beside it, so the
// shared dist/ is never touched.
const launcher = path.resolve('dist/cli/aios.js');
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-launcher-'));
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

function tree(name: string, opts: { stamp?: string; buildinfo?: string }): string {
  const cli = path.join(temp, name, 'dist/cli');
  fs.mkdirSync(cli, { recursive: true });
  fs.copyFileSync(launcher, path.join(cli, 'aios.js'));
  fs.writeFileSync(path.join(temp, name, 'package.json'), '{"type":"module"}\n');
  fs.writeFileSync(path.join(cli, 'aios-bundle.cjs'), "process.stdout.write('bundle');\n");
  fs.copyFileSync(path.resolve('dist/cli/code-cache.js'), path.join(cli, 'code-cache.js'));
  fs.writeFileSync(path.join(cli, 'main.js'), "process.stdout.write('plain');\n");
  if (opts.buildinfo !== undefined)
    fs.writeFileSync(path.join(temp, name, 'dist/.tsbuildinfo'), opts.buildinfo);
  if (opts.stamp !== undefined) fs.writeFileSync(path.join(cli, 'aios-bundle.stamp'), opts.stamp);
  return path.join(cli, 'aios.js');
}

function stampOf(file: string): string {
  const st = fs.statSync(file);
  const sha1 = createHash('sha1').update(fs.readFileSync(file)).digest('hex');
  return `${st.size}:${st.mtimeMs}\n${sha1}\n`;
}

function runs(entry: string): string {
  const r = spawnSync(process.execPath, [entry], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('the aios launcher', () => {
  it('runs the bundle while its stamp matches the tsc build info', () => {
    const entry = tree('current', { buildinfo: '{"version":"5"}' });
    fs.writeFileSync(
      path.join(path.dirname(entry), 'aios-bundle.stamp'),
      stampOf(path.join(temp, 'current/dist/.tsbuildinfo')),
    );
    expect(runs(entry)).toBe('bundle');
  });

  it('runs the plain build after a later tsc run changed the build info', () => {
    const entry = tree('stale', { buildinfo: '{"version":"5"}' });
    const info = path.join(temp, 'stale/dist/.tsbuildinfo');
    const stamp = stampOf(info);
    fs.writeFileSync(info, '{"version":"6"}');
    fs.writeFileSync(path.join(path.dirname(entry), 'aios-bundle.stamp'), stamp);
    expect(runs(entry)).toBe('plain');
  });

  it('runs the bundle of a copy whose build info kept its content but not its mtime (npm pack)', () => {
    const entry = tree('packed-copy', { buildinfo: '{"version":"5"}' });
    const info = path.join(temp, 'packed-copy/dist/.tsbuildinfo');
    fs.writeFileSync(path.join(path.dirname(entry), 'aios-bundle.stamp'), stampOf(info));
    fs.utimesSync(info, new Date('1985-10-26T08:15:00Z'), new Date('1985-10-26T08:15:00Z'));
    expect(runs(entry)).toBe('bundle');
  });

  it('runs the plain build when no bundle was made', () => {
    const entry = tree('unbundled', { buildinfo: '{}' });
    expect(runs(entry)).toBe('plain');
  });

  it('runs the bundle when there is no build info at all (no tsc ran after it)', () => {
    const entry = tree('packed', { stamp: '12:34\nabc\n' });
    expect(runs(entry)).toBe('bundle');
  });
});

describe('the built CLI', () => {
  it('runs from the bundle when the build made one, else from the plain build', () => {
    const stamp = path.resolve('dist/cli/aios-bundle.stamp');
    const info = path.resolve('dist/.tsbuildinfo');
    // The launcher's rule, restated: a stamp, and build info that is absent or the same.
    const current =
      fs.existsSync(stamp) &&
      (!fs.existsSync(info) ||
        fs.readFileSync(stamp, 'utf8').split('\n')[1] === stampOf(info).split('\n')[1]);
    const file = path.join(temp, 'imports.txt');
    const r = spawnSync(
      process.execPath,
      ['--import', path.resolve('test/fixtures/trace-imports.mjs'), launcher, 'diff', '--help'],
      { encoding: 'utf8', env: { ...process.env, AIOS_TRACE_FILE: file } },
    );
    expect(r.status).toBe(0);
    const urls = fs.readFileSync(file, 'utf8');
    expect(urls.includes('/dist/cli/aios-bundle.cjs')).toBe(current);
    expect(urls.includes('/dist/cli/main.js')).toBe(!current);
  });
});
