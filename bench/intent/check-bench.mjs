// What an [[intent]] costs `aios diff`: one observe = a gate decision + the check process, under
// bubblewrap (read-only) when it works here, else plain bash. Also the bare gate decision and a
// bare `bash -c` for comparison. Runs against a temp root; nothing else is touched.
// Usage: node bench/intent/check-bench.mjs [--n 200]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { intentController } from '../../dist/controllers/intent-controller.js';
import { intentSchema } from '../../dist/controllers/intent-schema.js';
import { spawnRunner } from '../../dist/src/host/process-runner.js';
import { RootPath } from '../../dist/src/host/root-path.js';
import { probeSandbox } from '../../dist/src/host/sandbox.js';
import { createGate } from '../../dist/src/policy/create-gate.js';

const n = Number(process.argv[process.argv.indexOf('--n') + 1]) || 200;
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-intent-bench-'));
const root = path.join(base, 'root');
fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
fs.writeFileSync(path.join(root, 'etc/greeting'), 'hello\n');

const gate = createGate({ mode: 'normal', root, home: os.homedir() });
const guard = { decide: async (a, e) => gate.decide(a, e), sandbox: false };
const spec = intentSchema.parse({ name: 'greeting', goal: 'hello', check: 'grep -q hello etc/greeting' });
const ctx = { root: new RootPath(root), runner: spawnRunner, specDir: base, guard };
const bwrap = (await probeSandbox(spawnRunner)).available;

async function measure(label, fn) {
  for (let i = 0; i < 5; i++) await fn();
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
  console.log(`${label.padEnd(44)} median ${q(0.5)} ms  p95 ${q(0.95)} ms  (n=${n})`);
}

try {
  console.log(
    `bubblewrap available: ${bwrap}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  await measure('gate decision for the check', async () =>
    gate.decide({ tool: 'bash', args: { command: spec.check, cwd: '/' }, reason: 'x' }, 'read'),
  );
  await measure('bare bash -c CHECK (no gate, no sandbox)', () =>
    spawnRunner(['bash', '-c', spec.check], { cwd: root }),
  );
  await measure(`intent observe (gate + check${bwrap ? ' in bwrap' : ''})`, () =>
    intentController.observe(spec, ctx),
  );
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}
