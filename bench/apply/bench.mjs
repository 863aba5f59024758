#!/usr/bin/env node
// Benchmark of `aios apply` / `aios diff` on generated file resources (~200 B, mode 0644), side by
// side with `puppet apply` (file resources) and `ansible-playbook` (connection local, copy with
// content + mode) on the same files in one run. Each tool gets its own fresh temp tree.
//
//   node bench/apply/bench.mjs [--sizes 100,1000,10000] [--puppet 100,1000,5000] [--ansible 100]
//                              [--repeat 3] [--no-install] [--json out.json]
//
// No-change apply and diff/noop run --repeat times per tool and size; tables show the median (the
// machine is shared, so single runs swing), the JSON keeps every run.
//
// Needs a built CLI (`npm run build`). Installs ansible and puppet with apt-get unless --no-install
// (bench only; never in CI). Touches only directories under os.tmpdir().
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const repo = path.resolve(here, '../..');
const aiosBin = path.join(repo, 'dist/cli/aios.js');

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const list = (s) => (s ? s.split(',').filter(Boolean).map(Number) : []);
const sizes = list(flag('sizes', '100,1000,10000'));
const puppetSizes = list(flag('puppet', '100,1000,5000'));
const ansibleSizes = list(flag('ansible', '100'));
const install = !process.argv.includes('--no-install');
const repeat = Math.max(1, Number(flag('repeat', '3')));

/** Runs fn `repeat` times; the median run (by seconds) carries the reported figures. */
function repeated(fn) {
  const runs = Array.from({ length: repeat }, fn);
  const sorted = [...runs].sort((a, b) => a.s - b.s);
  return { ...sorted[Math.floor((sorted.length - 1) / 2)], runs: runs.map((r) => r.s), min: sorted[0].s };
}
const jsonOut = flag('json', undefined);

function have(cmd) {
  return spawnSync('bash', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

if (install && (!have('puppet') || !have('ansible-playbook'))) {
  console.error('installing ansible and puppet with apt-get (bench only) ...');
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'ansible', 'puppet'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** Deterministic ~200 byte body for file i. */
function body(i, salt = '') {
  const line = `file ${i} managed by the benchmark${salt}; `;
  return `${line.repeat(Math.ceil(200 / line.length)).slice(0, 199)}\n`;
}
const rel = (i) => `srv/bench/f${String(i).padStart(5, '0')}.txt`;

// CPU time (user + system) of each run as well, through GNU time when it is installed: on a shared
// machine wall time swings with the load, CPU time much less.
const gnuTime = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const CPU_MARK = '@@aios-bench-cpu';

function time(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = gnuTime
    ? spawnSync(gnuTime, ['-f', `${CPU_MARK} %U %S`, cmd, ...args], {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        ...opts,
      })
    : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  let stderr = r.stderr ?? '';
  let cpu;
  const m = new RegExp(`${CPU_MARK} ([\\d.]+) ([\\d.]+)\\n?$`).exec(stderr);
  if (m) {
    cpu = Number(m[1]) + Number(m[2]);
    stderr = stderr.slice(0, m.index);
  }
  return { s, cpu, code: r.status, stdout: r.stdout ?? '', stderr };
}

function timings(stdout) {
  const line = stdout.split('\n').find((l) => l.startsWith('timings: '));
  if (!line) return {};
  return Object.fromEntries(
    line
      .slice('timings: '.length)
      .split(', ')
      .map((p) => p.split(' '))
      .map(([k, v]) => [k, Number(v)]),
  );
}

/** The first and last file exist with the expected body and mode: the tool really did the work. */
function check(root, n, context) {
  for (const i of [0, n - 1]) {
    const f = path.join(root, rel(i));
    if (
      !fs.existsSync(f) ||
      fs.readFileSync(f, 'utf8') !== body(i) ||
      (fs.statSync(f).mode & 0o777) !== 0o644
    ) {
      throw new Error(`${f} was not written as expected (${context})`);
    }
  }
}

function drift(root, n) {
  for (let i = 0; i < 10; i++)
    fs.writeFileSync(path.join(root, rel(Math.floor((i * n) / 10))), body(i, ' DRIFT'));
}

function benchAios(n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `aios-bench-${n}-`));
  const root = path.join(dir, 'root');
  const specs = path.join(dir, 'specs');
  const data = path.join(dir, 'data');
  for (const d of [root, specs, data]) fs.mkdirSync(d, { recursive: true });
  const parts = ['[[directory]]\npath = "/srv/bench"\nmode = "0755"\n'];
  for (let i = 0; i < n; i++) {
    parts.push(`[[file]]\npath = "/${rel(i)}"\nmode = "0644"\ncontent = ${JSON.stringify(body(i))}\n`);
  }
  fs.writeFileSync(path.join(specs, 'bench.toml'), parts.join('\n'));
  const config = path.join(dir, 'config.toml');
  fs.writeFileSync(
    config,
    `[aios]\ndata_dir = "${data}"\n[controller]\nspecs_dir = "${specs}"\nroot = "${root}"\n[memory]\npath = "${data}/memory.db"\n[recovery]\npaths = ["/etc"]\nstore_dir = "${data}/snapshots"\n`,
  );
  const env = { PATH: process.env.PATH, HOME: path.join(dir, 'home'), NO_COLOR: '1', AIOS_CONFIG: config };
  const cli = (...args) => time(process.execPath, [aiosBin, ...args, '--timings'], { env });
  const out = { n };
  const first = cli('apply', '--yes');
  if (first.code !== 0)
    throw new Error(`aios first apply failed: ${first.stderr}${first.stdout.slice(-2000)}`);
  check(root, n, 'aios');
  out.first = { s: first.s, cpu: first.cpu, phases: timings(first.stdout) };
  out.noChange = repeated(() => {
    const noop = cli('apply', '--yes');
    if (!/Apply: 0 changed/.test(noop.stdout))
      throw new Error(`no-change apply changed: ${noop.stdout.slice(-500)}`);
    return { s: noop.s, cpu: noop.cpu, phases: timings(noop.stdout) };
  });
  out.diff = repeated(() => {
    const d = cli('diff');
    if (d.code !== 0) throw new Error(`aios diff after apply exited ${d.code}`);
    return { s: d.s, cpu: d.cpu, phases: timings(d.stdout) };
  });
  drift(root, n);
  const fix = cli('apply', '--yes');
  if (!/Apply: 10 changed/.test(fix.stdout))
    throw new Error(`drift apply did not change 10: ${fix.stdout.slice(-500)}`);
  out.drift10 = { s: fix.s, cpu: fix.cpu, phases: timings(fix.stdout) };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

function benchPuppet(n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `puppet-bench-${n}-`));
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'srv/bench'), { recursive: true });
  const res = [];
  for (let i = 0; i < n; i++) {
    res.push(
      `file { '${root}/${rel(i)}': ensure => file, mode => '0644', content => ${JSON.stringify(body(i))} }`,
    );
  }
  const manifest = path.join(dir, 'site.pp');
  fs.writeFileSync(manifest, res.join('\n'));
  const args = [
    'apply',
    '--confdir',
    path.join(dir, 'conf'),
    '--vardir',
    path.join(dir, 'var'),
    '--codedir',
    path.join(dir, 'code'),
    '--logdir',
    path.join(dir, 'log'),
    manifest,
  ];
  const out = { n };
  const first = time('puppet', args);
  check(root, n, `puppet: ${first.stderr.slice(-500)}`);
  out.first = first.s;
  out.firstCpu = first.cpu;
  const p1 = repeated(() => time('puppet', args));
  out.noChange = p1.s;
  out.noChangeCpu = p1.cpu;
  out.noChangeRuns = p1.runs;
  const p2 = repeated(() => time('puppet', [...args, '--noop']));
  out.noop = p2.s;
  out.noopCpu = p2.cpu;
  out.noopRuns = p2.runs;
  drift(root, n);
  out.drift10 = time('puppet', args).s;
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

function benchAnsible(n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ansible-bench-${n}-`));
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'srv/bench'), { recursive: true });
  const tasks = [];
  for (let i = 0; i < n; i++) {
    tasks.push(
      `    - copy: { dest: "${root}/${rel(i)}", mode: "0644", content: ${JSON.stringify(body(i))} }`,
    );
  }
  const book = path.join(dir, 'play.yml');
  fs.writeFileSync(
    book,
    `- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n${tasks.join('\n')}\n`,
  );
  const env = {
    ...process.env,
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_LOCALHOST_WARNING: 'False',
    ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False',
  };
  const args = ['-i', 'localhost,', book];
  const out = { n };
  const first = time('ansible-playbook', args, { env });
  check(root, n, `ansible: ${first.stdout.slice(-500)}`);
  out.first = first.s;
  out.noChange = time('ansible-playbook', args, { env }).s;
  out.check = time('ansible-playbook', [...args, '--check'], { env }).s;
  drift(root, n);
  out.drift10 = time('ansible-playbook', args, { env }).s;
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

// The same environment aios runs with (no NODE_EXTRA_CA_CERTS and the like, which slow node's start).
const nodeFloor = Math.min(
  ...[0, 1, 2, 3, 4].map(() => time(process.execPath, ['-e', '0'], { env: { PATH: process.env.PATH } }).s),
);
const result = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  nodeFloor,
  aios: [],
  puppet: [],
  ansible: [],
};
for (const n of sizes) {
  console.error(`aios ${n} ...`);
  result.aios.push(benchAios(n));
}
if (have('puppet')) {
  for (const n of puppetSizes) {
    console.error(`puppet ${n} ...`);
    result.puppet.push(benchPuppet(n));
  }
}
if (have('ansible-playbook')) {
  for (const n of ansibleSizes) {
    console.error(`ansible ${n} ...`);
    result.ansible.push(benchAnsible(n));
  }
}

const f = (s) => (s === undefined ? '—' : `${s.toFixed(2)} s`);
const rows = [];
rows.push('| tool | files | first apply | no-change apply | diff / noop / check | drift 10 + apply |');
rows.push('|---|---:|---:|---:|---:|---:|');
for (const a of result.aios)
  rows.push(`| aios | ${a.n} | ${f(a.first.s)} | ${f(a.noChange.s)} | ${f(a.diff.s)} | ${f(a.drift10.s)} |`);
for (const p of result.puppet)
  rows.push(
    `| puppet apply | ${p.n} | ${f(p.first)} | ${f(p.noChange)} | ${f(p.noop)} (--noop) | ${f(p.drift10)} |`,
  );
for (const a of result.ansible)
  rows.push(
    `| ansible-playbook | ${a.n} | ${f(a.first)} | ${f(a.noChange)} | ${f(a.check)} (--check) | ${f(a.drift10)} |`,
  );
console.log(rows.join('\n'));
console.log(`\nnode -e 0 floor: ${f(nodeFloor)}; no-change and diff: median of ${repeat} runs`);
for (const a of result.aios)
  console.log(`aios ${a.n}: no-change min ${f(a.noChange.min)}, diff min ${f(a.diff.min)}`);
console.log(
  '\naios phases (ms): size, run, start, load, observe, diff, gate, snapshot, apply, verify, record',
);
for (const a of result.aios) {
  for (const k of ['first', 'noChange', 'diff', 'drift10']) {
    const p = a[k].phases;
    const v = (x) => (p[x] === undefined ? '-' : Math.round(p[x]));
    console.log(
      `${a.n} ${k}: ${['start', 'load', 'observe', 'diff', 'gate', 'snapshot', 'apply', 'verify', 'record'].map(v).join(' / ')}`,
    );
  }
}
const ratio = (p, a) => (p && a ? `${(p / a).toFixed(1)}×` : '—');
for (const p of result.puppet) {
  const a = result.aios.find((x) => x.n === p.n);
  if (!a) continue;
  console.log(
    `ratio puppet/aios at ${p.n}: first ${ratio(p.first, a.first.s)}, no-change ${ratio(p.noChange, a.noChange.s)}, diff vs --noop ${ratio(p.noop, a.diff.s)}`,
  );
}
const c = (x) => (x === undefined ? '—' : `${x.toFixed(2)} s`);
console.log('\nCPU time (user + system), same runs: tool, files, first, no-change, diff/noop');
for (const a of result.aios)
  console.log(`aios ${a.n}: ${c(a.first.cpu)}, ${c(a.noChange.cpu)}, ${c(a.diff.cpu)}`);
for (const p of result.puppet)
  console.log(`puppet ${p.n}: ${c(p.firstCpu)}, ${c(p.noChangeCpu)}, ${c(p.noopCpu)}`);
for (const p of result.puppet) {
  const a = result.aios.find((x) => x.n === p.n);
  if (!a) continue;
  console.log(
    `CPU ratio puppet/aios at ${p.n}: first ${ratio(p.firstCpu, a.first.cpu)}, no-change ${ratio(p.noChangeCpu, a.noChange.cpu)}, diff vs --noop ${ratio(p.noopCpu, a.diff.cpu)}`,
  );
}
const a1k = result.aios.find((x) => x.n === 1000);
const a10k = result.aios.find((x) => x.n === 10000);
if (a1k && a10k) {
  const above = (x) => x - nodeFloor;
  const lin = (k) => (above(a10k[k].s) / above(a1k[k].s)).toFixed(1);
  console.log(
    `linearity above node start, 10000/1000: no-change ${lin('noChange')}×, diff ${lin('diff')}×, first ${lin('first')}×`,
  );
}
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(result, null, 2));
