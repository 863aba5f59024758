import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// cli/code-cache.ts, through its build (dist/cli/code-cache.js) in a process of its own: the hook
// it installs is process-wide.
const hook = path.resolve('dist/cli/code-cache.js');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) {
    fs.chmodSync(d, 0o755);
    fs.rmSync(d, { recursive: true, force: true });
  }
});

function program(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-code-cache-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'lib', 'dep'), { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  fs.writeFileSync(
    path.join(dir, 'run.mjs'),
    `import { createRequire } from 'node:module';\nimport { installCodeCache } from ${JSON.stringify(hook)};\ninstallCodeCache(${JSON.stringify(dir)});\ncreateRequire(import.meta.url)('./main.cjs');\n`,
  );
  return dir;
}

function run(dir: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(dir, 'run.mjs')], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const cacheEntries = (dir: string) => {
  const c = path.join(dir, '.code-cache');
  return fs.existsSync(c) ? fs.readdirSync(c).sort() : [];
};

const files = {
  'main.cjs':
    "const dep = require('./lib/dep/dep.cjs');\nprocess.stdout.write(dep.word() + ' ' + __dirname.length);\n",
  'lib/dep/dep.cjs': "exports.word = () => 'alpha';\n",
};

describe('the code cache of the bundled CLI', () => {
  it('runs the code as node would, and keeps one cache entry per file it compiled', () => {
    const dir = program(files);
    const first = run(dir);
    expect(first).toMatchObject({ code: 0, out: `alpha ${dir.length}` });
    const entries = cacheEntries(dir);
    expect(entries.map((e) => e.replace(/\.[0-9a-f]{40}\..*$/, ''))).toEqual(['lib+dep+dep.cjs', 'main.cjs']);
    // A second run uses the entries and writes none.
    const mtimes = entries.map((e) => fs.statSync(path.join(dir, '.code-cache', e)).mtimeMs);
    expect(run(dir).out).toBe(`alpha ${dir.length}`);
    expect(cacheEntries(dir)).toEqual(entries);
    expect(entries.map((e) => fs.statSync(path.join(dir, '.code-cache', e)).mtimeMs)).toEqual(mtimes);
  });

  it('never runs an old compilation of a file rebuilt with the same length', () => {
    const dir = program(files);
    expect(run(dir).out).toBe(`alpha ${dir.length}`);
    // V8 would accept the old cache for this text (it checks the length only): the name must not.
    fs.writeFileSync(path.join(dir, 'lib/dep/dep.cjs'), "exports.word = () => 'omega';\n");
    expect(run(dir).out).toBe(`omega ${dir.length}`);
    expect(cacheEntries(dir).filter((e) => e.startsWith('lib+dep+dep.cjs'))).toHaveLength(2);
  });

  it('runs without a cache where it cannot write one (a read-only install)', () => {
    const dir = program(files);
    fs.chmodSync(dir, 0o555);
    // root ignores modes: drop to nobody for the run when we are root.
    const asNobody = process.getuid?.() === 0;
    const r = asNobody
      ? spawnSync(
          'setpriv',
          ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, path.join(dir, 'run.mjs')],
          {
            encoding: 'utf8',
          },
        )
      : spawnSync(process.execPath, [path.join(dir, 'run.mjs')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`alpha ${dir.length}`);
    expect(cacheEntries(dir)).toEqual([]);
  });

  it('reports an error in a cached file with its own file name', () => {
    const dir = program({
      ...files,
      'lib/dep/dep.cjs': "exports.word = () => { throw new Error('boom'); };\n",
    });
    const r = run(dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain(path.join(dir, 'lib/dep/dep.cjs'));
    expect(r.err).toContain('boom');
  });
});
