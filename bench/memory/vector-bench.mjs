// Vector search benchmark: builds a history of N memory rows (default 10,000) through the public
// MemoryStore API, gives every row a DIM-dimensional vector (a deterministic hashed bag of words, so
// no model is needed: sqlite-vec's KNN is an exact scan, its cost does not depend on the values),
// then measures storing vectors, the pending-row scan, vectorSearch and hybridSearch against the
// full-text search alone. Uses the compiled store (dist/), so build first.
// Run: npx tsc -p tsconfig.build.json && node bench/memory/vector-bench.mjs [--rows N] [--dim D] [--queries Q]
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
const ROWS = Number(opt('--rows', 10_000));
const DIM = Number(opt('--dim', 1536));
const QUERIES = Number(opt('--queries', 500));
const BATCH = 64; // rows per storeVectors call, as indexPending sends them
const MODEL = `bench-${DIM}`;

let seed = 0x5eed;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
const zipf = (a) => a[Math.floor(a.length * rand() ** 3)];
const services = [
  'nginx',
  'postgresql',
  'redis',
  'sshd',
  'cron',
  'docker',
  'grafana',
  'prometheus',
  'haproxy',
];
const verbs = ['restart', 'status', 'reload', 'stop', 'start', 'enable', 'logs', 'inspect'];
const topics = [
  'disk full',
  'high load',
  'certificate expired',
  'port in use',
  'out of memory',
  'slow queries',
];

function embed(text) {
  const v = new Float32Array(DIM);
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 0x811c9dc5;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 0x01000193);
    // Spread each word over a few dimensions, with a little noise, like a dense model would.
    for (let j = 0; j < 4; j++) v[(h >>> (j * 7)) % DIM] += 1;
  }
  for (let i = 0; i < DIM; i++) v[i] += (rand() - 0.5) * 0.05;
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < DIM; i++) v[i] /= n;
  return v;
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const fmt = (ms) => `${ms.toFixed(2)} ms`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'aios-vector-bench-'));
const mem = openMemory(path.join(dir, 'memory.db'));
try {
  const support = mem.vectorSupport();
  if (!support.ok) throw new Error(support.reason);

  // History: commands, chats, tool calls, events (the kinds that get vectors), plus audit rows.
  mem.transaction(() => {
    const s = mem.createSession({ title: 'bench' });
    for (let i = 0; i < ROWS; i++) {
      const svc = zipf(services);
      const r = rand();
      if (r < 0.6) mem.recordCommand({ argv: ['systemctl', pick(verbs), svc] });
      else if (r < 0.75)
        mem.addMessage({
          sessionId: s,
          role: pick(['user', 'assistant']),
          content: `${svc}: ${pick(topics)} since ${i % 24}:00, what should I check?`,
        });
      else if (r < 0.85)
        mem.recordToolCall({
          tool: 'bash',
          args: { cmd: `journalctl -u ${svc} -n 50` },
          resultSummary: pick(topics),
        });
      else if (r < 0.97)
        mem.recordEvent({
          resourceId: `service:${svc}`,
          status: pick(['drift', 'applied']),
          label: 'external',
          message: pick(topics),
        });
      else mem.appendAudit('apply', { svc, i });
    }
  });

  // Indexing: what indexPending does per batch, minus the model call.
  let embedMs = 0;
  let storeMs = 0;
  let scanMs = 0;
  let stored = 0;
  for (;;) {
    let t = performance.now();
    const rows = mem.pendingVectors(MODEL, { limit: BATCH });
    scanMs += performance.now() - t;
    if (rows.length === 0) break;
    t = performance.now();
    const vectors = rows.map((r) => embed(r.text));
    embedMs += performance.now() - t;
    t = performance.now();
    stored += mem.storeVectors(
      MODEL,
      rows.map((r, i) => ({ kind: r.kind, id: r.id, vector: vectors[i] })),
    ).stored;
    storeMs += performance.now() - t;
  }
  // Steady state: everything indexed, the scan a search runs before it embeds the query.
  const idle = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    mem.pendingVectors(MODEL, { limit: BATCH });
    idle.push(performance.now() - t);
  }

  const queries = Array.from({ length: QUERIES }, () => `${zipf(services)} ${pick(topics)}`);
  const qv = queries.map(embed);
  // Wall time per query, plus the mean CPU time (what an idle machine would take; see README).
  const measure = (fn) => {
    const times = [];
    const cpu0 = process.cpuUsage();
    queries.forEach((q, i) => {
      const t = performance.now();
      fn(q, qv[i]);
      times.push(performance.now() - t);
    });
    const cpu = process.cpuUsage(cpu0);
    times.cpuMean = (cpu.user + cpu.system) / 1000 / queries.length;
    return times;
  };
  const knn20 = measure((_q, v) => mem.vectorSearch(MODEL, v, { limit: 20 }));
  const knn50 = measure((_q, v) => mem.vectorSearch(MODEL, v, { limit: 50 }));
  const fts = measure((q) => mem.search(q, { limit: 20 }));
  const hybrid = measure((q, v) => mem.hybridSearch(q, { model: MODEL, vector: v }, { limit: 20 }));

  const status = mem.vectorStatus(MODEL);
  console.log(
    `rows ${ROWS}, vectors ${stored} (${status.vectors}), dim ${DIM}, sqlite-vec ${support.version}`,
  );
  console.log(
    `store: ${Math.round(stored / (storeMs / 1000))} vectors/s (${fmt(storeMs)} total, batches of ${BATCH}); pending scans during indexing ${fmt(scanMs)} total; embedding (hashed, not a model) ${fmt(embedMs)}`,
  );
  console.log(`pending scan when fully indexed: p50 ${fmt(pct(idle, 50))} p99 ${fmt(pct(idle, 99))}`);
  for (const [name, t] of [
    ['vectorSearch k=20', knn20],
    ['vectorSearch k=50', knn50],
    ['search (FTS) limit 20', fts],
    ['hybridSearch limit 20', hybrid],
  ]) {
    console.log(
      `${name.padEnd(24)} p50 ${fmt(pct(t, 50))}  p99 ${fmt(pct(t, 99))}  CPU mean ${fmt(t.cpuMean)}`,
    );
  }
  console.log(
    `db size ${(mem.sizeBytes() / 2 ** 20).toFixed(1)} MiB; load average ${os.loadavg()[0].toFixed(1)}`,
  );
} finally {
  mem.close();
  rmSync(dir, { recursive: true, force: true });
}
