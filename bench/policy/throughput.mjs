#!/usr/bin/env node
// In-process throughput of the policy gate: decisions per second over the test corpora (destructive,
// obfuscated and everyday lines, mixed), after one warm-up pass. Never runs any command.
// Usage: npm run build && node bench/policy/throughput.mjs [--seconds 3] [--json]
// Goal (issue 4): >= 10 000 checks/s.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { createGate } = await import(path.join(repo, 'dist/src/policy/create-gate.js'));
const argv = process.argv.slice(2);
const secIdx = argv.indexOf('--seconds');
const seconds = secIdx >= 0 ? Number(argv[secIdx + 1]) : 3;

const lines = (name) =>
  readFileSync(path.join(repo, 'test/policy/corpus', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('# '));
const corpus = [...lines('destructive.txt'), ...lines('obfuscated.txt'), ...lines('everyday.txt')];
const actions = corpus.map((command) => ({ tool: 'bash', args: { command }, reason: 'bench' }));
const tools = [
  { tool: 'read_file', args: { path: '/etc/hosts' }, reason: 'bench' },
  { tool: 'write_file', args: { path: '/etc/nginx/nginx.conf', content: 'x' }, reason: 'bench' },
  { tool: 'remove', args: { path: '/usr', recursive: true }, reason: 'bench' },
  { tool: 'package_remove', args: { name: 'libc6' }, reason: 'bench' },
];

function measure(label, gate, list, effect) {
  // Warm-up: one second, so the JIT has compiled the hot paths before the clock starts.
  const warm = performance.now() + 1000;
  while (performance.now() < warm) for (const a of list) gate.decide(a, effect);
  let n = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const until = start + seconds * 1000;
  while (performance.now() < until) {
    for (const a of list) gate.decide(a, effect);
    n += list.length;
  }
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  // Wall time counts the time other processes held the CPU; CPU time is what the gate itself costs.
  return {
    label,
    checks: n,
    perSecondWall: Math.round((n / ms) * 1000),
    perSecondCpu: Math.round((n / cpuMs) * 1000),
    usPerCheckCpu: Number(((cpuMs * 1000) / n).toFixed(1)),
  };
}

const results = [];
for (const mode of ['normal', 'paranoid']) {
  const gate = createGate({
    mode,
    home: '/root',
    dangerousPatterns: ['rm -rf /', 'mkfs.*'],
    requireConfirm: ['sudo.*', 'systemctl.*'],
  });
  results.push(measure(`bash, ${corpus.length} corpus lines, ${mode}`, gate, actions, 'exec'));
  results.push(measure(`non-shell tools, ${mode}`, gate, tools, 'write'));
}
if (argv.includes('--json')) console.log(JSON.stringify(results, null, 2));
else {
  console.log('| case | checks/s (CPU time) | checks/s (wall clock) | µs CPU/check |\n|---|---:|---:|---:|');
  for (const r of results)
    console.log(`| ${r.label} | ${r.perSecondCpu} | ${r.perSecondWall} | ${r.usPerCheckCpu} |`);
}
