// Hot path of a no-change run: observe + diff + plan of N file resources (~200 B, mode 0644) in a
// temp root, 16 observes in flight as src/reconcile/plan.ts runs them. Uses the built controllers
// (run `npx tsc -p tsconfig.build.json` first). Usage: node bench/fs-controllers/observe-files.mjs [N...]
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileController } from '../../dist/controllers/file-controller.js';
import { fileSchema } from '../../dist/controllers/file-schema.js';
import { spawnRunner } from '../../dist/src/host/process-runner.js';
import { RootPath } from '../../dist/src/host/root-path.js';

const sizes = process.argv.slice(2).map(Number);
const ROUNDS = 5;

async function planAll(specs, ctx) {
  let next = 0;
  let changed = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < specs.length) {
        const spec = specs[next++];
        const observed = await fileController.observe(spec, ctx);
        const changes = fileController.diff(spec, observed);
        if (changes.length > 0) {
          fileController.plan(changes, spec, observed);
          changed++;
        }
      }
    }),
  );
  return changed;
}

async function timed(fn) {
  const times = [];
  let result;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    result = await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(ROUNDS / 2)], min: times[0], result };
}

for (const n of sizes.length > 0 ? sizes : [1000, 10000]) {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'aios-bench-fs-'));
  const root = path.join(base, 'root');
  const specs = [];
  for (let i = 0; i < n; i++) {
    const content = `# file ${i}\n${'x'.repeat(188 - String(i).length)}\n`;
    specs.push(fileSchema.parse({ path: `/srv/bench/d${i % 100}/f${i}.conf`, content, mode: '0644' }));
  }
  for (let d = 0; d < 100; d++) await fs.mkdir(path.join(root, `srv/bench/d${d}`), { recursive: true });
  const ctx = { root: new RootPath(root), runner: spawnRunner, specDir: base };

  const missing = await timed(() => planAll(specs, ctx));
  for (const s of specs) await fs.writeFile(path.join(root, s.path), s.content, { mode: 0o644 });
  const same = await timed(() => planAll(specs, ctx));
  for (let i = 0; i < 10; i++)
    await fs.appendFile(path.join(root, specs[i * Math.floor(n / 10)].path), 'drift\n');
  const drift = await timed(() => planAll(specs, ctx));
  const f = (t) => `${t.median.toFixed(0)} ms (min ${t.min.toFixed(0)}, ${t.result} changed)`;
  console.log(`N=${n}  all missing: ${f(missing)}  no change: ${f(same)}  10 drifted: ${f(drift)}`);
  await fs.rm(base, { recursive: true, force: true });
}
