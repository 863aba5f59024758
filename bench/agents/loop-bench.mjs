// The agent loop's own cost, without a model: how long the gate, the tool run, the result text and
// the recording take per tool call, and how long building the system prompt takes against a large
// memory (the keyword FTS searches). A scripted in-process provider answers instantly, so what is
// measured is aios, not an LLM. Run from the repo after a build (see README.md).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTurn } from '../../dist/src/agents/agent-loop.js';
import { createChatService } from '../../dist/src/agents/chat-service.js';
import { buildSystemPrompt, gatherPromptContext } from '../../dist/src/agents/system-prompt.js';
import { loadConfig } from '../../dist/src/config/load-config.js';
import { effectivePaths } from '../../dist/src/config/paths.js';
import { RootPath } from '../../dist/src/host/root-path.js';
import { openMemory } from '../../dist/src/memory/memory-store.js';
import { createGate } from '../../dist/src/policy/create-gate.js';
import { createBuiltinRegistry } from '../../dist/src/tools/registry.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CALLS = arg('calls', 2000);
const ROWS = arg('rows', 100_000);
const PROMPTS = arg('prompts', 50);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-loop-bench-'));
const root = path.join(dir, 'root');
fs.mkdirSync(path.join(root, 'srv'), { recursive: true });
fs.writeFileSync(path.join(root, 'srv/app.conf'), 'port=8080\n'.repeat(20));
const noSpawn = async (command) => ({
  command,
  exitCode: 0,
  signal: null,
  stdout: 'ok\n',
  stderr: '',
  truncated: false,
  timedOut: false,
  durationMs: 0,
});

/** A provider that asks for `perStep` tool calls per step until `total` were asked, then answers. */
function provider(total, perStep, calls) {
  let asked = 0;
  return {
    name: 'openai',
    model: 'bench',
    async complete() {
      if (asked >= total)
        return {
          text: 'done',
          toolCalls: [],
          usage: { inputTokens: 1, outputTokens: 1 },
          stopReason: 'end',
          model: 'bench',
        };
      const toolCalls = [];
      for (let i = 0; i < perStep && asked < total; i++, asked++)
        toolCalls.push({ id: `c${asked}`, ...calls(asked) });
      return {
        text: '',
        toolCalls,
        usage: { inputTokens: 1, outputTokens: 1 },
        stopReason: 'tool_calls',
        model: 'bench',
      };
    },
  };
}

const mix = (i) =>
  [
    { name: 'read_file', args: { path: '/srv/app.conf' } },
    { name: 'write_file', args: { path: `/srv/out-${i % 50}.txt`, content: `n=${i}\n` } },
    { name: 'bash', args: { command: `systemctl status nginx | grep -q active && echo ${i}` } },
    { name: 'bash', args: { command: 'rm -rf /' } },
  ][i % 4];

const registry = createBuiltinRegistry();
const gate = createGate({ mode: 'normal', root, home: '/root' });
const toolCtx = { root: new RootPath(root), runner: noSpawn, sandbox: false };
const base = {
  registry,
  gate,
  toolCtx,
  confirm: async () => ({ outcome: 'approved' }),
  system: 'bench',
  history: [],
  userText: 'bench',
  maxTokens: 100,
};

// 1. The bare loop per kind of call: gate + execute + result text, no recording. A denied call
// never reaches a tool, so it is the loop's own overhead (gate included).
const kinds = {
  read_file: () => ({ name: 'read_file', args: { path: '/srv/app.conf' } }),
  write_file: (i) => ({ name: 'write_file', args: { path: `/srv/out-${i % 50}.txt`, content: `n=${i}\n` } }),
  'bash (fake runner)': (i) => ({
    name: 'bash',
    args: { command: `systemctl status nginx | grep -q active && echo ${i}` },
  }),
  'bash denied': () => ({ name: 'bash', args: { command: 'rm -rf /' } }),
};
for (const [label, make] of Object.entries(kinds)) {
  const n = Math.max(10, Math.floor(CALLS / 4));
  const t0 = performance.now();
  await runTurn({ ...base, provider: provider(n, 10, make), maxSteps: n });
  const ms = performance.now() - t0;
  console.log(`loop, ${label}: ${n} calls, ${((ms / n) * 1000).toFixed(0)} µs per call`);
}

// 2. The same through the chat service: every message, tool call, decision and audit row stored.
const config = path.join(dir, 'config.toml');
fs.writeFileSync(
  config,
  `[aios]\ndata_dir = "${dir}/data"\n[memory]\npath = "${dir}/memory.db"\n[controller]\nspecs_dir = "${dir}/specs"\nroot = "${root}"\n`,
);
const env = { HOME: dir };
const loaded = await loadConfig({ configPath: config, env });
const paths = effectivePaths(loaded, env);
{
  const memory = openMemory(paths.memoryPath);
  // max_steps defaults to 20: run several turns of 200 calls.
  const turns = Math.ceil(CALLS / 200);
  const t0 = performance.now();
  for (let t = 0; t < turns; t++) {
    const p = provider(200, 10, mix);
    const svc = await createChatService({
      loaded,
      paths,
      env,
      memory,
      runner: noSpawn,
      registry,
      gate,
      providerFactory: () => p,
    });
    await svc.chat(
      { text: `turn ${t}`, source: 'bench' },
      { confirm: async () => ({ outcome: 'approved' }) },
    );
  }
  const ms = performance.now() - t0;
  const n = turns * 200;
  console.log(
    `chat service: ${n} tool calls in ${turns} turns, recorded, in ${ms.toFixed(0)} ms = ${((ms / n) * 1000).toFixed(0)} µs per call (rows: ${JSON.stringify(memory.counts())})`,
  );
  memory.close();
}

// 3. The system prompt against a big memory.
{
  const memory = openMemory(path.join(dir, 'big.db'));
  const words = [
    'nginx',
    'postgres',
    'redis',
    'apt',
    'systemctl',
    'restart',
    'install',
    'etc',
    'conf',
    'docker',
    'ssh',
    'cron',
  ];
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const pick = () => words[Math.floor(rnd() ** 2 * words.length)];
  const session = memory.createSession({ title: 'bench' });
  const tBuild = performance.now();
  for (let i = 0; i < ROWS; i += 10_000) {
    memory.transaction(() => {
      for (let j = i; j < Math.min(ROWS, i + 10_000); j++) {
        if (j % 10 === 0)
          memory.addMessage({
            sessionId: session,
            role: j % 20 === 0 ? 'user' : 'assistant',
            content: `${pick()} ${pick()} on port ${j % 9000}`,
          });
        else memory.recordCommand({ argv: [pick(), pick(), `/etc/${pick()}/${j}.conf`] });
      }
    });
  }
  const buildMs = performance.now() - tBuild;
  const questions = [
    'why did nginx fail to restart',
    'which port does postgres listen on',
    'what changed in /etc/ssh',
    'install docker and redis please',
    'zzzz nothing matches',
  ];
  const times = [];
  for (let i = 0; i < PROMPTS; i++) {
    const t0 = performance.now();
    const ctx = await gatherPromptContext({
      loaded,
      paths,
      memory,
      userText: questions[i % questions.length],
    });
    buildSystemPrompt(ctx);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
  console.log(
    `system prompt over ${ROWS} memory rows (built in ${(buildMs / 1000).toFixed(1)} s): p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`,
  );
  memory.close();
}
fs.rmSync(dir, { recursive: true, force: true });
