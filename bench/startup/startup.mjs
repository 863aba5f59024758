#!/usr/bin/env node
// Cold start of the built CLI against plain `node -e 0`, measured in one run so the figures share the
// machine's load: each round runs every command once, in a shuffled order, as a fresh process.
// Usage: npm run build && node bench/startup/startup.mjs [--runs 30] [--json]
// Goals (issue 3): `aios --version` <= 1.5x node, `aios config show` <= 2x node (medians).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'dist/cli/aios.js');
const argv = process.argv.slice(2);
const runsIdx = argv.indexOf('--runs');
const runs = runsIdx >= 0 ? Number(argv[runsIdx + 1]) : 30;
const json = argv.includes('--json');
// --clean-env: only PATH is inherited. Without it the caller's environment is kept (minus AIOS_ vars),
// because variables such as NODE_EXTRA_CA_CERTS change node's own start-up and users have them too.
const cleanEnv = argv.includes('--clean-env');

// A private HOME and the shipped example config: the figures must not depend on this machine's files.
const home = mkdtempSync(path.join(os.tmpdir(), 'aios-bench-'));
// One unknown key sends the loader down its zod path (decision 011): the difference is what zod costs.
const slowConfig = path.join(home, 'unknown-key.toml');
writeFileSync(
  slowConfig,
  `${readFileSync(path.join(repo, 'docs/config.example.toml'), 'utf8')}\n[aios.extra]\nx = 1\n`,
);
const inherited = cleanEnv
  ? { PATH: process.env.PATH }
  : Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AIOS_')));
const env = {
  ...inherited,
  HOME: home,
  XDG_CONFIG_HOME: path.join(home, '.config'),
  AIOS_CONFIG: path.join(repo, 'docs/config.example.toml'),
  NO_COLOR: '1',
};

const cases = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'aios --version', args: [cli, '--version'] },
  { name: 'aios --help', args: [cli, '--help'] },
  { name: 'aios config show', args: [cli, 'config', 'show'] },
  { name: 'aios config show --json', args: [cli, 'config', 'show', '--json'] },
  // The same command without the command-history write (SQLite) that cli/parser.ts adds to every run.
  {
    name: 'aios config show (AIOS_NO_HISTORY=1)',
    args: [cli, 'config', 'show'],
    env: { AIOS_NO_HISTORY: '1' },
  },
  // The same program from the plain tsc output instead of the bundle (decision 150): what bundling saves.
  { name: 'aios config show (plain build)', args: [path.join(repo, 'dist/cli/main.js'), 'config', 'show'] },
  { name: 'aios policy check', args: [cli, 'policy', 'check', 'ls -la /etc'] },
  {
    name: 'aios policy check (plain build)',
    args: [path.join(repo, 'dist/cli/main.js'), 'policy', 'check', 'ls -la /etc'],
  },
  // Through yargs (the fast path of decision 151 leaves --json=true to it): what skipping yargs saves.
  { name: 'aios config show via yargs', args: [cli, 'config', 'show', '--json=true'] },
  // The config layer alone: the command module run directly, without yargs and history.
  { name: 'config show module only', args: [path.join(repo, 'bench/startup/config-show-direct.mjs')] },
  {
    name: 'config show module only, zod path',
    args: [path.join(repo, 'bench/startup/config-show-direct.mjs')],
    env: { AIOS_CONFIG: slowConfig },
  },
];

// CPU time (user + system) too, through GNU time when installed: under load it swings far less than
// wall time. Its resolution is 10 ms, so it is reported as a median only.
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const CPU_MARK = '@@aios-startup-cpu';

function once(c) {
  const t0 = process.hrtime.bigint();
  const r = gnuTime
    ? spawnSync(gnuTime, ['-f', `${CPU_MARK} %U %S`, process.execPath, ...c.args], {
        env: { ...env, ...c.env },
        encoding: 'utf8',
      })
    : spawnSync(process.execPath, c.args, { env: { ...env, ...c.env }, encoding: 'utf8' });
  // Warnings (the unknown key) go to stderr; only a failure matters here.
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr}`);
  const m = new RegExp(`${CPU_MARK} ([\\d.]+) ([\\d.]+)`).exec(r.stderr ?? '');
  return { ms, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : undefined };
}

const times = new Map(cases.map((c) => [c.name, []]));
const cpus = new Map(cases.map((c) => [c.name, []]));
for (const c of cases) once(c); // warm the page cache once; every measured run is still a new process
for (let i = 0; i < runs; i++) {
  const order = [...cases].sort(() => Math.random() - 0.5);
  for (const c of order) {
    const r = once(c);
    times.get(c.name).push(r.ms);
    if (r.cpu !== undefined) cpus.get(c.name).push(r.cpu);
  }
}
rmSync(home, { recursive: true, force: true });

const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const base = q(times.get('node -e 0'), 0.5);
const cpuBase = cpus.get('node -e 0').length > 0 ? q(cpus.get('node -e 0'), 0.5) : undefined;
const rows = cases.map((c) => {
  const xs = times.get(c.name);
  return {
    name: c.name,
    median: q(xs, 0.5),
    p90: q(xs, 0.9),
    min: Math.min(...xs),
    ratio: q(xs, 0.5) / base,
    cpu: cpus.get(c.name).length > 0 ? q(cpus.get(c.name), 0.5) : undefined,
  };
});
if (json) {
  console.log(JSON.stringify({ runs, node: process.version, cpus: os.cpus().length, rows }, null, 2));
} else {
  console.log(
    `${runs} runs each, interleaved; node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(2)}`,
  );
  console.log('| command | median ms | p90 ms | min ms | × node (median) | CPU ms (median) | × node CPU |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const cpu = r.cpu === undefined ? '—' : r.cpu.toFixed(0);
    const cpuRatio = r.cpu === undefined || !cpuBase ? '—' : (r.cpu / cpuBase).toFixed(2);
    console.log(
      `| \`${r.name}\` | ${r.median.toFixed(0)} | ${r.p90.toFixed(0)} | ${r.min.toFixed(0)} | ${r.ratio.toFixed(2)} | ${cpu} | ${cpuRatio} |`,
    );
  }
}
