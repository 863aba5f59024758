// Per-phase figures of `aios apply` / `aios diff` on N generated file resources (~200 B, mode 0644,
// one directory), as `--timings` prints them, median of --repeat runs, plus the process's wall and
// CPU time. Modes: first (the root is emptied before each run), apply (no change), diff. With
// --base DIST a second build runs interleaved with this one on its own copy of the tree (same
// machine load for both): how before/after figures in README.md were taken. Bench only, never CI.
//
//   node bench/apply/phases.mjs --files 1000 --repeat 7 [--modes first,apply,diff] [--base /tmp/base/dist]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const files = Number(opt('files', '1000'));
const repeat = Number(opt('repeat', '7'));
const modes = opt('modes', 'first,apply,diff').split(',');
const builds = { this: path.resolve(here, '../../dist/cli/aios.js') };
if (opt('base')) builds.base = path.join(path.resolve(opt('base')), 'cli/aios.js');

function body(i) {
  const line = `file ${i} managed by the benchmark; `;
  return `${line.repeat(Math.ceil(200 / line.length)).slice(0, 199)}\n`;
}

/** A tree per build: specs, an empty root, a data dir and a config pointing at them. */
function makeTree(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `aios-phases-${name}-`));
  for (const d of ['root', 'specs', 'data', 'home']) fs.mkdirSync(path.join(dir, d));
  const parts = ['[[directory]]\npath = "/srv/bench"\nmode = "0755"\n'];
  for (let i = 0; i < files; i++) {
    const rel = `/srv/bench/f${String(i).padStart(5, '0')}.txt`;
    parts.push(`[[file]]\npath = "${rel}"\nmode = "0644"\ncontent = ${JSON.stringify(body(i))}\n`);
  }
  fs.writeFileSync(path.join(dir, 'specs/bench.toml'), parts.join('\n'));
  fs.writeFileSync(
    path.join(dir, 'config.toml'),
    `[aios]\ndata_dir = "${dir}/data"\n[controller]\nspecs_dir = "${dir}/specs"\nroot = "${dir}/root"\n` +
      `[memory]\npath = "${dir}/data/memory.db"\n[recovery]\npaths = ["/etc"]\nstore_dir = "${dir}/data/snapshots"\n`,
  );
  return dir;
}

const trees = Object.fromEntries(Object.keys(builds).map((b) => [b, makeTree(b)]));

function run(build, mode) {
  const dir = trees[build];
  if (mode === 'first') {
    fs.rmSync(path.join(dir, 'root'), { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, 'root'));
  }
  const env = {
    PATH: process.env.PATH,
    HOME: path.join(dir, 'home'),
    NO_COLOR: '1',
    AIOS_CONFIG: path.join(dir, 'config.toml'),
  };
  const cmd = mode === 'diff' ? ['diff'] : ['apply', '--yes'];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', 'RUSAGE %U %S', process.execPath, builds[build], ...cmd, '--timings'],
    {
      env,
      encoding: 'utf8',
      // A first apply prints its whole plan, unified diffs included: megabytes at 10 000 files.
      maxBuffer: 1 << 30,
    },
  );
  const row = { wall: Number(process.hrtime.bigint() - t0) / 1e6 };
  if (r.status !== 0 && r.status !== 2) throw new Error(`${build} ${mode}: exit ${r.status}\n${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('timings')) ?? '';
  for (const m of line.matchAll(/(\w+) ([\d.]+) ms/g)) row[m[1]] = Number(m[2]);
  const ru = /RUSAGE ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (ru) row.cpu = (Number(ru[1]) + Number(ru[2])) * 1000;
  return row;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const order = [
  'wall',
  'cpu',
  'start',
  'load',
  'observe',
  'diff',
  'gate',
  'snapshot',
  'apply',
  'verify',
  'record',
];

// The first apply of each tree also fills the spec cache, as on a real machine after `aios init`.
for (const b of Object.keys(builds)) run(b, 'first');
for (const mode of modes) {
  const rows = Object.fromEntries(Object.keys(builds).map((b) => [b, []]));
  for (let k = 0; k < repeat; k++) {
    const names = Object.keys(builds);
    for (const b of k % 2 ? names.reverse() : names) rows[b].push(run(b, mode));
  }
  for (const [b, list] of Object.entries(rows)) {
    const cols = order.filter((c) => list.some((r) => r[c] !== undefined));
    console.log(
      `${mode.padEnd(5)} ${b.padEnd(4)} ${cols.map((c) => `${c} ${median(list.map((r) => r[c] ?? 0)).toFixed(0)}`).join(' | ')}`,
    );
  }
}
for (const dir of Object.values(trees)) fs.rmSync(dir, { recursive: true, force: true });
