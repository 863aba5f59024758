// `npm install -g <packed tarball>` gives working `aios` and `aios-runtime` commands. Opt-in
// (AIOS_TEST_NPM_INSTALL=1): it packs the built checkout, installs it into a temp prefix (better-sqlite3
// compiles from source: 202 s by hand, 361 s under vitest on a busy 2-core machine), then runs the
// installed binaries with HOME in a temp dir.
// Needs `npm run build` first and the npm registry or a warm npm cache for the dependencies.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, tempDir } from './install-helpers.js';

const enabled = process.env.AIOS_TEST_NPM_INSTALL === '1';
const made: string[] = [];
afterAll(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!enabled)('npm install -g of the packed tarball', () => {
  it('installs aios and aios-runtime that run --version, init --user and doctor', () => {
    const work = tempDir('aios-npm-');
    made.push(work);
    const version = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version;
    expect(fs.existsSync('dist/cli/aios.js')).toBe(true);

    // --ignore-scripts: the tarball ships the dist/ already built (prepare would rebuild it here).
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--silent'], {
      encoding: 'utf8',
    });
    expect(pack.status, pack.stderr).toBe(0);
    const tarball = path.join(work, `aios-${version}.tgz`);
    expect(fs.existsSync(tarball)).toBe(true);

    const prefix = path.join(work, 'prefix');
    const started = Date.now();
    const install = spawnSync(
      'npm',
      ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
      { encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } },
    );
    expect(install.status, install.stderr).toBe(0);
    process.stderr.write(`npm install -g took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);

    const home = path.join(work, 'home');
    fs.mkdirSync(home);
    const env = cleanEnv(home);
    const bin = (name: string, args: string[]) =>
      spawnSync(path.join(prefix, 'bin', name), args, { encoding: 'utf8', env, cwd: work });

    const v = bin('aios', ['--version']);
    expect(v.stdout.trim()).toBe(version);
    expect(bin('aios-runtime', ['--help']).stdout).toContain('aios-runtime [--config P]');

    const init = bin('aios', ['init', '--user']);
    expect(init.status, init.stderr).toBe(0);
    expect(fs.statSync(path.join(home, '.config/aios/config.toml')).mode & 0o777).toBe(0o600);
    const doctor = bin('aios', ['doctor', '--json']);
    expect(doctor.status, doctor.stdout).toBe(0);
    // `history` opens (creates) the memory db: the compiled better-sqlite3 loads in the installed copy
    const history = bin('aios', ['history', '--json']);
    expect(history.status, history.stderr).toBe(0);
    expect(fs.existsSync(path.join(home, '.config/aios/memory.db'))).toBe(true);
  }, 900_000);
});
