// Memory benchmark: generates a realistic history of N rows (default 1,000,000) into a fresh
// memory.db through the public MemoryStore API in batched transactions, then measures search()
// latency p50/p99 over a query mix, and history() latency. Uses the compiled store (dist/), so build
// first. Run: npx tsc -p tsconfig.build.json && node bench/memory/memory-bench.mjs [--rows N] [--keep DIR]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openMemory } from '../../dist/src/memory/memory-store.js';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(name);
  return i === -1 ? fallback : argv[i + 1];
};
const ROWS = Number(opt('--rows', 1_000_000));
const BATCH = Number(opt('--batch', 10_000));
const QUERIES = Number(opt('--queries', 2000));
const keep = opt('--keep', undefined);

// Deterministic PRNG (mulberry32) so every run builds the same history.
let seed = 0x5eed;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
// Zipf-ish: low indexes much more frequent, like real package and service names.
const zipf = (a) => a[Math.floor(a.length * rand() ** 3)];

const syll = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ro',
  'su',
  'ta',
  'vi',
  'ze',
  'qu',
  'ba',
  'do',
  'fy',
  'gri',
  'sto',
  'pla',
];
const word = (n) => Array.from({ length: n }, () => pick(syll)).join('');
const packages = [
  'nginx',
  'curl',
  'git',
  'postgresql',
  'redis-server',
  'python3',
  'openssh-server',
  'docker.io',
  'htop',
  'vim',
  'jq',
  'rsync',
  'tmux',
  'build-essential',
  'nodejs',
  'certbot',
  'ufw',
  'fail2ban',
  'sqlite3',
  'zsh',
  ...Array.from({ length: 400 }, () => `lib${word(2)}${Math.floor(rand() * 9)}`),
];
const services = [
  'nginx',
  'sshd',
  'postgresql',
  'redis',
  'docker',
  'cron',
  'systemd-resolved',
  'ufw',
  'fail2ban',
  ...Array.from({ length: 60 }, () => `${word(2)}d`),
];
const dirs = [
  '/etc',
  '/etc/nginx',
  '/etc/nginx/conf.d',
  '/var/log',
  '/srv/www',
  '/home/ops',
  '/opt/app',
  '/etc/systemd/system',
];
const files = Array.from(
  { length: 800 },
  () => `${pick(dirs)}/${word(2)}.${pick(['conf', 'log', 'toml', 'service', 'sh', 'json'])}`,
);
const vocab = [
  'disk',
  'full',
  'restart',
  'failed',
  'memory',
  'why',
  'port',
  'firewall',
  'update',
  'upgrade',
  'logs',
  'error',
  'timeout',
  'config',
  'backup',
  'certificate',
  'expired',
  'permission',
  'denied',
  'slow',
  'load',
  'cpu',
  ...Array.from({ length: 3000 }, () => word(2 + Math.floor(rand() * 3))),
];
const sentence = (n) => Array.from({ length: n }, () => zipf(vocab)).join(' ');

function command() {
  switch (Math.floor(rand() * 10)) {
    case 0:
      return ['apt-get', 'install', '-y', zipf(packages)];
    case 1:
      return ['systemctl', pick(['restart', 'status', 'reload', 'enable']), zipf(services)];
    case 2:
      return ['git', 'commit', '-m', sentence(4)];
    case 3:
      return ['ls', '-la', pick(dirs)];
    case 4:
      return ['cat', zipf(files)];
    case 5:
      return ['journalctl', '-u', zipf(services), '--since', pick(['1h ago', 'today', 'yesterday'])];
    case 6:
      return ['aios', pick(['apply', 'diff', 'status', 'search']), '--only', `file:${zipf(files)}`];
    case 7:
      return ['grep', '-r', zipf(vocab), pick(dirs)];
    case 8:
      return ['docker', 'run', '--rm', `${zipf(packages)}:latest`];
    default:
      return ['vim', zipf(files)];
  }
}

// One generated record as plain data, so the timed loop measures the store, not the generator.
function makeRecord(i, ts) {
  const r = rand();
  if (r < 0.7) {
    return {
      t: 'command',
      rec: {
        argv: command(),
        cwd: pick(dirs),
        exitCode: rand() < 0.9 ? 0 : 1,
        durationMs: rand() * 2000,
        ts,
      },
    };
  }
  if (r < 0.8) {
    return {
      t: 'tool',
      rec: {
        tool: pick(['bash', 'read_file', 'write_file', 'stat', 'list_dir']),
        args: { command: command().join(' '), path: zipf(files) },
        resultSummary: sentence(6),
        exitCode: 0,
        durationMs: rand() * 100,
        ts,
      },
    };
  }
  if (r < 0.85) {
    return {
      t: 'chat',
      newSession: i % 20 === 0 ? { title: sentence(3), provider: 'openai', ts } : undefined,
      rec: { role: pick(['user', 'assistant']), content: sentence(12), ts },
    };
  }
  if (r < 0.9) {
    return {
      t: 'decision',
      rec: {
        action: { tool: 'bash', args: { command: command().join(' ') }, reason: sentence(4) },
        verdict: pick(['allow', 'allow', 'confirm', 'deny']),
        rule: pick(['default-allow', 'dangerous:rm-rf', 'critical:systemctl', 'paranoid:allowlist']),
        reason: sentence(5),
        source: pick(['agent', 'reconcile', 'cli']),
        ts,
      },
    };
  }
  if (r < 0.97) {
    return {
      t: 'event',
      newRun: i % 50 === 0 ? { trigger: pick(['apply', 'resync', 'watch']), ts } : undefined,
      rec: {
        resourceId: rand() < 0.5 ? `file:${zipf(files)}` : `service:${zipf(services)}`,
        status: pick(['applied', 'drift', 'unchanged', 'unchanged', 'failed']),
        label: rand() < 0.8 ? 'aios' : 'external',
        changes: [{ field: 'content', before: word(3), after: word(3) }],
        message: sentence(5),
        ts,
      },
    };
  }
  return {
    t: 'audit',
    kind: pick(['policy.decision', 'tool.call', 'apply', 'restore']),
    payload: { text: sentence(6), n: i },
    ts,
  };
}

function insertRecord(mem, d, ctx) {
  switch (d.t) {
    case 'command':
      return mem.recordCommand(d.rec);
    case 'tool':
      return mem.recordToolCall(d.rec);
    case 'chat':
      if (d.newSession || !ctx.session) ctx.session = mem.createSession(d.newSession ?? { ts: d.rec.ts });
      return mem.addMessage({ ...d.rec, sessionId: ctx.session });
    case 'decision':
      return mem.recordDecision(d.rec);
    case 'event':
      if (d.newRun || !ctx.run) ctx.run = mem.startRun(d.newRun ?? { trigger: 'apply', ts: d.rec.ts });
      return mem.recordEvent({ ...d.rec, runId: ctx.run });
    default:
      return mem.appendAudit(d.kind, d.payload, d.ts);
  }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const dir = keep ?? mkdtempSync(path.join(os.tmpdir(), 'aios-memory-bench-'));
const file = path.join(dir, 'memory.db');
rmSync(file, { force: true });
rmSync(`${file}-wal`, { force: true });
rmSync(`${file}-shm`, { force: true });
const mem = openMemory(file);

// ---- insert ----
const t0 = Date.UTC(2025, 0, 1);
const ctx = {};
let insertMs = 0;
let insertCpuMs = 0;
const batchRates = [];
// CPU time of this process (user + system): unlike wall time it barely moves when other processes
// compete for the two cores, so it is the figure to compare across runs on a busy machine.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (let done = 0; done < ROWS; ) {
  const n = Math.min(BATCH, ROWS - done);
  const batch = Array.from({ length: n }, (_, j) => makeRecord(done + j, t0 + (done + j) * 30_000));
  const s = performance.now();
  const c = cpuMs();
  mem.transaction(() => {
    for (const d of batch) insertRecord(mem, d, ctx);
  });
  const ms = performance.now() - s;
  insertCpuMs += cpuMs() - c;
  insertMs += ms;
  batchRates.push((n / ms) * 1000);
  done += n;
}
const insertSecs = insertMs / 1000;
mem.db.pragma('wal_checkpoint(TRUNCATE)');
const counts = mem.counts();
const totalRows = Object.values(counts).reduce((a, b) => a + b, 0);

// ---- search ----
const mix = [
  ['rare term', () => zipf(packages.slice(100))],
  ['common term', () => pick(['install', 'restart', 'nginx', 'etc', 'conf'])],
  ['two terms', () => `${pick(['restart', 'status', 'install'])} ${zipf(services)}`],
  ['prefix', () => `${zipf(packages).slice(0, 4)}*`],
  ['path', () => zipf(files)],
  ['sentence words', () => `${zipf(vocab)} ${zipf(vocab)}`],
  ['no match', () => `zzq${word(3)}`],
  ['kind filter', () => zipf(vocab), { kind: 'chat' }],
  ['hostile syntax', () => pick(['"', 'AND OR', '-rf *', 'NEAR(a b', 'it\'s "quoted"'])],
];
for (let i = 0; i < 200; i++) mem.search(pick(mix)[1]()); // warm the page cache
const all = [];
const allCpu = [];
const perKind = new Map();
for (let i = 0; i < QUERIES; i++) {
  const [name, make, extra] = mix[i % mix.length];
  const q = make();
  const s = performance.now();
  const c = cpuMs();
  mem.search(q, { limit: 20, ...(extra ?? {}) });
  const d = performance.now() - s;
  allCpu.push(cpuMs() - c);
  all.push(d);
  if (!perKind.has(name)) perKind.set(name, []);
  perKind.get(name).push(d);
}
all.sort((a, b) => a - b);
allCpu.sort((a, b) => a - b);

const hist = [];
for (let i = 0; i < 200; i++) {
  const s = performance.now();
  mem.history({ limit: 50, ...(i % 2 ? { kind: 'command' } : {}) });
  hist.push(performance.now() - s);
}
hist.sort((a, b) => a - b);
const verifyStart = performance.now();
const verify = mem.verifyAudit();
const verifyMs = performance.now() - verifyStart;
const size = mem.sizeBytes();
mem.close();

const fmt = (ms) => `${ms.toFixed(2)} ms`;
console.log(
  `machine: ${os.cpus().length} cores, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (other work slows every figure)`,
);
console.log(
  `rows generated: ${ROWS.toLocaleString('en')} records (${totalRows.toLocaleString('en')} table rows incl. sessions/runs)`,
);
const rates = [...batchRates].sort((a, b) => a - b);
const rate = (r) => Math.round(r).toLocaleString('en');
console.log(
  `insert: ${insertSecs.toFixed(1)} s, ${rate(ROWS / insertSecs)} records/s overall (batches of ${BATCH}); ` +
    `per batch: median ${rate(percentile(rates, 50))}, best ${rate(rates[rates.length - 1])}, ` +
    `first ${rate(batchRates[0])}, last ${rate(batchRates[batchRates.length - 1])}; ` +
    `per CPU second: ${rate(ROWS / (insertCpuMs / 1000))}`,
);
console.log(`db size: ${(size / 1024 / 1024).toFixed(0)} MiB  counts: ${JSON.stringify(counts)}`);
console.log(
  `search (${QUERIES} queries, limit 20): p50 ${fmt(percentile(all, 50))}, p99 ${fmt(percentile(all, 99))}, max ${fmt(all[all.length - 1])}; ` +
    `CPU time p50 ${fmt(percentile(allCpu, 50))}, p99 ${fmt(percentile(allCpu, 99))}`,
);
for (const [name, ds] of perKind) {
  ds.sort((a, b) => a - b);
  console.log(`  ${name.padEnd(15)} p50 ${fmt(percentile(ds, 50))}  p99 ${fmt(percentile(ds, 99))}`);
}
console.log(`history(limit 50): p50 ${fmt(percentile(hist, 50))}, p99 ${fmt(percentile(hist, 99))}`);
console.log(`verifyAudit: ${verify.ok ? 'ok' : 'BROKEN'}, ${verify.count} rows in ${fmt(verifyMs)}`);
if (!keep) rmSync(dir, { recursive: true, force: true });
