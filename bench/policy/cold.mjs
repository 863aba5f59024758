#!/usr/bin/env node
// Cold start of `aios policy check` against plain `node -e 0`, each round running every case once as a
// fresh process in a shuffled order, so all cases share the machine's load. HOME is a temp dir and the
// config has only [security] settings, so the figures do not depend on this machine's files.
// Usage: npm run build && node bench/policy/cold.mjs [--runs 20] [--json]
// Goal (issue 4): `aios policy check` cold <= 2x `node -e 0`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'dist/cli/aios.js');
const argv = process.argv.slice(2);
const runsIdx = argv.indexOf('--runs');
const runs = runsIdx >= 0 ? Number(argv[runsIdx + 1]) : 20;

const home = mkdtempSync(path.join(os.tmpdir(), 'aios-policy-bench-'));
const config = path.join(home, 'config.toml');
writeFileSync(
  config,
  `[security]\nmode = "normal"\npolicies_dir = "${home}/policies"\ndangerous_patterns = ["rm -rf /", "mkfs.*"]\nrequire_confirm = ["sudo.*", "systemctl.*"]\n`,
);
const env = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: path.join(home, 'xdg'),
  AIOS_CONFIG: config,
  NO_COLOR: '1',
};
// The gate alone in a fresh process: import the policy modules (unbash included), load the rules, decide.
const gateOnly = `const {createGate}=await import(${JSON.stringify(path.join(repo, 'dist/src/policy/create-gate.js'))});createGate({mode:'normal',home:'/root'}).checkShell('ls -la /etc');`;
// The command module without yargs or command history: what a fast path in cli/aios.ts would cost.
const moduleOnly = `const m=await import(${JSON.stringify(path.join(repo, 'dist/cli/commands/policy-check.js'))});const io={out(){},err(){},isTTY:false,stdinTTY:false,color:false};process.exitCode=await m.default({command:'ls -la /etc',json:false,color:false,verbose:false},io);`;

const cases = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'gate only (import + load rules + decide)', args: ['--input-type=module', '-e', gateOnly] },
  {
    name: 'policy-check module only (no yargs, no history)',
    args: ['--input-type=module', '-e', moduleOnly],
  },
  {
    name: 'aios policy check (AIOS_NO_HISTORY=1)',
    args: [cli, 'policy', 'check', 'ls -la /etc'],
    env: { AIOS_NO_HISTORY: '1' },
  },
  { name: 'aios policy check', args: [cli, 'policy', 'check', 'ls -la /etc'] },
];

// One unmeasured round fills the per-user rule cache, as any earlier run on the machine would have.
for (const c of cases) spawnSync(process.execPath, c.args, { env: { ...env, ...c.env } });
const times = new Map(cases.map((c) => [c.name, []]));
for (let r = 0; r < runs; r++) {
  for (const c of [...cases].sort(() => Math.random() - 0.5)) {
    const t0 = performance.now();
    const res = spawnSync(process.execPath, c.args, { env: { ...env, ...c.env } });
    const ms = performance.now() - t0;
    if (res.status !== 0) throw new Error(`${c.name} exited ${res.status}: ${res.stderr}`);
    times.get(c.name).push(ms);
  }
}
const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const base = q(times.get('node -e 0'), 0.5);
const rows = cases.map((c) => {
  const xs = times.get(c.name);
  return {
    name: c.name,
    median: q(xs, 0.5),
    p90: q(xs, 0.9),
    min: Math.min(...xs),
    ratio: q(xs, 0.5) / base,
  };
});
if (argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
else {
  console.log(`| command | median ms | p90 ms | min ms | × node (median) |\n|---|---:|---:|---:|---:|`);
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.median.toFixed(0)} | ${r.p90.toFixed(0)} | ${r.min.toFixed(0)} | ${r.ratio.toFixed(2)} |`,
    );
  }
}
