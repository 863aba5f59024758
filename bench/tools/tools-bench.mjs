// Tool overhead benchmark: per-call cost of executeAction for the file tools (no-op and real
// writes), stat, and bash unsandboxed vs under bubblewrap, plus registry creation and the JSON
// schemas an LLM gets. Uses the compiled tools (dist/), so build first.
// Run: npx tsc -p tsconfig.build.json && node bench/tools/tools-bench.mjs [--n 2000] [--exec 50]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawnRunner } from '../../dist/src/host/process-runner.js';
import { RootPath } from '../../dist/src/host/root-path.js';
import { probeSandbox } from '../../dist/src/host/sandbox.js';
import { executeAction } from '../../dist/src/tools/execute.js';
import { createBuiltinRegistry, createRegistry } from '../../dist/src/tools/registry.js';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(name);
  return i === -1 ? fallback : Number(argv[i + 1]);
};
const N = opt('--n', 2000);
const EXEC = opt('--exec', 50);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-tools-bench-'));
fs.mkdirSync(path.join(dir, 'etc'));
fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\n');
const ctx = { root: new RootPath(dir), runner: spawnRunner, sandbox: false };

async function measure(label, n, fn) {
  for (let i = 0; i < Math.min(20, n); i++) await fn(i); // warm up
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const p = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(3);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(
    `${label.padEnd(44)} n=${String(n).padStart(5)}  mean ${mean.toFixed(3)} ms  p50 ${p(0.5)}  p99 ${p(0.99)}`,
  );
}

try {
  let t0 = performance.now();
  const reg = await createRegistry({ pluginsDir: path.join(process.cwd(), 'docs/plugins/example') });
  console.log(`createRegistry with the 2 example plugins      ${(performance.now() - t0).toFixed(1)} ms`);
  t0 = performance.now();
  const schemas = createBuiltinRegistry().jsonSchemas();
  console.log(
    `jsonSchemas() for ${schemas.length} built-ins                   ${(performance.now() - t0).toFixed(1)} ms (${JSON.stringify(schemas).length} bytes)`,
  );

  const content = 'key = value\n'.repeat(100);
  await executeAction(reg, { tool: 'write_file', args: { path: '/etc/app.conf', content }, reason: '' }, ctx);
  await measure('write_file, unchanged (changed=false)', N, () =>
    executeAction(reg, { tool: 'write_file', args: { path: '/etc/app.conf', content }, reason: '' }, ctx),
  );
  await measure('write_file, new content (atomic + fsync)', Math.min(N, 500), (i) =>
    executeAction(
      reg,
      { tool: 'write_file', args: { path: '/etc/app.conf', content: `${content}${i}\n` }, reason: '' },
      ctx,
    ),
  );
  await measure('stat', N, () =>
    executeAction(reg, { tool: 'stat', args: { path: '/etc/app.conf' }, reason: '' }, ctx),
  );
  await measure('edit_file (diff result)', Math.min(N, 500), (i) =>
    executeAction(
      reg,
      {
        tool: 'edit_file',
        args: { path: '/etc/app.conf', old_text: `${content}${i}`, new_text: `${content}${i + 1}` },
        reason: '',
      },
      ctx,
    ),
  );
  await measure('bash "true"', EXEC, () =>
    executeAction(reg, { tool: 'bash', args: { command: 'true' }, reason: '' }, ctx),
  );
  const sb = await probeSandbox(spawnRunner);
  if (sb.available) {
    fs.mkdirSync(path.join(dir, 'work'));
    const sctx = { ...ctx, sandbox: true, cwd: '/work' };
    await measure('bash "true" under bubblewrap', EXEC, () =>
      executeAction(reg, { tool: 'bash', args: { command: 'true' }, reason: '' }, sctx),
    );
  } else {
    console.log(`bash under bubblewrap: skipped (${sb.reason})`);
  }
  await measure('plugin disk_usage (executable, sh + du)', EXEC, () =>
    executeAction(reg, { tool: 'disk_usage', args: { path: '/etc' }, reason: '' }, ctx),
  );
  await measure('plugin count_lines (.mjs, in process)', N, () =>
    executeAction(reg, { tool: 'count_lines', args: { path: '/etc/app.conf' }, reason: '' }, ctx),
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
