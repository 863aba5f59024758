#!/usr/bin/env node
// Drift-repair latency of aios-runtime: N managed files, one hand edit at a time, time from the
// write to the file holding its desired content again. Also idle RSS and CPU of the daemon.
// Usage: node bench/daemon/drift-repair.mjs [--files 1000] [--edits 200]   (after `npm run build`)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { files: { type: 'string', default: '1000' }, edits: { type: 'string', default: '200' } },
});
const N = Number(values.files);
const EDITS = Number(values.edits);
const repo = path.resolve(import.meta.dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-bench-daemon-'));
const root = path.join(dir, 'root');
const specs = path.join(dir, 'specs');
const sock = path.join(dir, 'aios.sock');
fs.mkdirSync(path.join(root, 'srv/app'), { recursive: true });
fs.mkdirSync(specs);
const want = (i) => `line one of file ${i}\n`.padEnd(200, '.') + '\n';
let spec = '';
for (let i = 0; i < N; i++)
  spec += `[[file]]\npath = "/srv/app/f${i}.conf"\ncontent = ${JSON.stringify(want(i))}\nmode = "0644"\n\n`;
fs.writeFileSync(path.join(specs, 'bench.toml'), spec);
fs.writeFileSync(
  path.join(dir, 'config.toml'),
  `[aios]\ndata_dir = "${dir}/data"\nsocket_path = "${sock}"\n[memory]\npath = "${dir}/memory.db"\n` +
    `[controller]\nspecs_dir = "${specs}"\nroot = "${root}"\nresync_interval = "1h"\n[recovery]\nenabled = false\n[runtime]\ndebounce_ms = 2\n`,
);

const child = spawn(
  process.execPath,
  [
    '--max-semi-space-size=4',
    path.join(repo, 'dist/cli/aios-runtime.js'),
    '--config',
    path.join(dir, 'config.toml'),
  ],
  {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, HOME: dir },
  },
);
let log = '';
child.stderr.setEncoding('utf8');
child.stderr.on('data', (c) => {
  log += c;
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const read = (i) => {
  try {
    return fs.readFileSync(path.join(root, `srv/app/f${i}.conf`), 'utf8');
  } catch {
    return '';
  }
};
async function waitFor(pred, ms) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out; daemon log:\n${log.slice(-2000)}`);
    await sleep(1);
  }
}

try {
  const t0 = performance.now();
  await waitFor(() => log.includes('listening on'), 60_000);
  await waitFor(() => read(N - 1) === want(N - 1), 120_000);
  const startup = performance.now() - t0;
  await sleep(500);

  const lat = [];
  for (let k = 0; k < EDITS; k++) {
    const i = (k * 7919) % N;
    const file = path.join(root, `srv/app/f${i}.conf`);
    const t = performance.now();
    fs.writeFileSync(file, `drift ${k}\n`);
    await waitFor(() => read(i) === want(i), 10_000);
    lat.push(performance.now() - t);
    await sleep(20);
  }
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))].toFixed(1);

  // Idle: RSS and CPU over 10 s with nothing happening.
  const stat = () => fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = () => {
    const s = stat();
    return Number(s[11]) + Number(s[12]);
  };
  const hz = 100;
  const c0 = ticks();
  await sleep(10_000);
  const cpu = ((ticks() - c0) / hz / 10) * 100;
  const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;

  console.log(`files watched: ${N}; edits: ${EDITS}`);
  console.log(`start to converged: ${(startup / 1000).toFixed(2)} s`);
  console.log(
    `drift repair ms: p50 ${pct(50)}  p90 ${pct(90)}  p99 ${pct(99)}  max ${lat[lat.length - 1].toFixed(1)}`,
  );
  console.log(`idle: RSS ${rss.toFixed(0)} MB, CPU ${cpu.toFixed(2)} % over 10 s`);
} finally {
  child.kill('SIGTERM');
  await sleep(300);
  fs.rmSync(dir, { recursive: true, force: true });
}
