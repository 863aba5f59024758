import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const aios = path.resolve('dist/cli/aios.js');
const tracer = path.resolve('test/fixtures/trace-imports.mjs');

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [aios, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function traced(args: string[]): string[] {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aios-trace-')), 'imports.txt');
  const r = spawnSync(process.execPath, ['--import', tracer, aios, ...args], {
    encoding: 'utf8',
    env: { ...process.env, AIOS_TRACE_FILE: file },
  });
  expect(r.status).toBe(0);
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

const heavy = /better-sqlite3|\/openai\/|@anthropic-ai|unbash|sqlite-vec|chokidar|node-cron|\/zod\//;

describe('aios CLI skeleton', () => {
  it('prints its version from package.json', () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    const r = run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('lists every command of ARCHITECTURE.md in --help', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    for (const c of [
      'diff',
      'apply',
      'chat',
      'shell',
      'status',
      'info',
      'snapshot',
      'snapshots',
      'restore',
      'approvals',
      'approve',
      'deny',
      'history',
      'search',
      'policy',
      'config',
      'audit',
      'import',
      'init',
      'doctor',
      'completion',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`aios ${c}\\b`));
    }
  });

  it('loads no SQLite, SDK, parser or schema library for --version and --help', () => {
    for (const args of [['--version'], ['--help'], ['snapshot', '--help']]) {
      const urls = traced(args);
      expect(urls.length).toBeGreaterThan(0);
      expect(urls.filter((u) => heavy.test(u))).toEqual([]);
    }
  });

  it('rejects an unknown command with exit 1 and a hint, without a stack trace', () => {
    const r = run(['frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/aios --help/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('stops quietly when its reader closes the pipe early (aios ... | head)', async () => {
    // The reader is gone before `config show` writes its first line: every write hits EPIPE.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-pipe-'));
    const child = spawn(process.execPath, [aios, 'config', 'show'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HOME: home,
        XDG_CONFIG_HOME: home,
        AIOS_CONFIG: path.resolve('docs/config.example.toml'),
      },
    });
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.stdout.destroy();
    const code = await new Promise((r) => child.on('close', (c) => r(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });

  it('prints a bash completion script', () => {
    const r = run(['completion']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /complete -o bashdefault -o default -F _aios_yargs_completions aios|_aios_yargs_completions/,
    );
  });
});
