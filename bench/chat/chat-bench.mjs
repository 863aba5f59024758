// What `aios chat` costs around the model: the built CLI against a loopback fake OpenAI server that
// answers at once, in process (AIOS_NO_DAEMON=1) and through a running daemon, plus the daemon's
// idle RSS with and without the system agent. Wall time per command (median, min, max of N), and
// the time to the first answer byte on stdout. The fake's own work is included in every figure.
// Usage: node bench/chat/chat-bench.mjs [--runs 10]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? def : Number(process.argv[i + 1]);
};
const RUNS = arg('runs', 10);
const ROOT = path.resolve(import.meta.dirname, '../..');
const AIOS = path.join(ROOT, 'dist/cli/aios.js');
const RUNTIME = path.join(ROOT, 'dist/cli/aios-runtime.js');

// The fakes are TypeScript test fixtures: transpile them (no type check) next to each other.
const fakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-llm-chat-bench-'));
for (const file of fs.readdirSync(path.join(ROOT, 'test/fixtures/fake-llm'))) {
  if (!file.endsWith('.ts')) continue;
  const src = fs.readFileSync(path.join(ROOT, 'test/fixtures/fake-llm', file), 'utf8');
  const out = ts.transpileModule(src, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  fs.writeFileSync(path.join(fakeDir, file.replace(/\.ts$/, '.js')), out.outputText);
}
const { startFakeOpenAI } = await import(path.join(fakeDir, 'fake-openai.js'));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-chat-bench-'));
const config = path.join(dir, 'config.toml');
fs.mkdirSync(path.join(dir, 'root/etc'), { recursive: true });
fs.mkdirSync(path.join(dir, 'specs'));
const writeConfig = (systemAgent) =>
  fs.writeFileSync(
    config,
    `[aios]\ndata_dir = "${dir}/data"\nsocket_path = "${dir}/aios.sock"\n[memory]\npath = "${dir}/memory.db"\n` +
      `[controller]\nroot = "${dir}/root"\nspecs_dir = "${dir}/specs"\n[recovery]\nenabled = false\n` +
      `[agents]\nsystem_agent = ${systemAgent}\n[llm.openai]\nmodel = "bench-model"\n`,
  );
writeConfig(false);

const KEY = 'sk-bench-0123456789abcdef';
const fake = await startFakeOpenAI(() => ({ text: 'Fine, thanks.' }), { apiKey: KEY });
const env = {
  ...process.env,
  HOME: dir,
  XDG_CONFIG_HOME: path.join(dir, 'xdg'),
  AIOS_NO_HISTORY: '1',
  OPENAI_API_KEY: KEY,
  OPENAI_BASE_URL: fake.url,
};

function chatOnce(extraEnv) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first;
    const child = spawn(process.execPath, [AIOS, 'chat', 'how are you?', '--config', config], {
      env: { ...env, ...extraEnv },
    });
    child.stdout.on('data', () => {
      first ??= performance.now() - t0;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`aios chat exited ${code}`));
      else resolve({ total: performance.now() - t0, first: first ?? Number.NaN });
    });
  });
}

async function series(label, extraEnv) {
  await chatOnce(extraEnv); // warm the page cache and the daemon's chat service
  const totals = [];
  const firsts = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await chatOnce(extraEnv);
    totals.push(r.total);
    firsts.push(r.first);
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const f = (x) => `${x.toFixed(0)} ms`;
  console.log(
    `| ${label} | ${f(med(totals))} (${f(Math.min(...totals))}–${f(Math.max(...totals))}) | ${f(med(firsts))} |`,
  );
}

function startDaemon() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNTIME, '--config', config], { env });
    let log = '';
    child.stderr.on('data', (c) => {
      log += c;
      if (log.includes('listening on')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`daemon exited ${code}: ${log}`)));
  });
}

const rssKb = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
const stop = (child) =>
  new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });

console.log(
  `runs: ${RUNS}, node ${process.version}, load ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log('| aios chat | wall median (min–max) | first answer byte (median) |');
console.log('| --- | --- | --- |');
await series('in process', { AIOS_NO_DAEMON: '1' });
let daemon = await startDaemon();
await new Promise((r) => setTimeout(r, 1500));
const idle = rssKb(daemon.pid);
await series('through the daemon', {});
const afterChat = rssKb(daemon.pid);
await stop(daemon);
writeConfig(true);
daemon = await startDaemon();
await new Promise((r) => setTimeout(r, 1500));
const idleSystemAgent = rssKb(daemon.pid);
await stop(daemon);
console.log('');
console.log('| daemon RSS | MB |');
console.log('| --- | --- |');
console.log(`| idle, system_agent = false | ${(idle / 1024).toFixed(0)} |`);
console.log(`| after ${RUNS + 1} chats (SDK loaded, service cached) | ${(afterChat / 1024).toFixed(0)} |`);
console.log(`| idle, system_agent = true | ${(idleSystemAgent / 1024).toFixed(0)} |`);
await fake.close();
fs.rmSync(dir, { recursive: true, force: true });
fs.rmSync(fakeDir, { recursive: true, force: true });
