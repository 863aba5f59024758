// Provider costs without a real model: the SDK load that createProvider defers, and per-call
// overhead of the real SDKs against the loopback fakes (test/fixtures/fake-llm, transpiled to a temp
// dir at start). Run after a build: it imports dist/. Figures go to README.md by hand.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import ts from 'typescript';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const CALLS = arg('calls', 200);
const CHUNKS = arg('chunks', 5000);
const TEXTS = arg('texts', 1024);
const ROOT = path.resolve(import.meta.dirname, '../..');

// The fakes are TypeScript test fixtures: transpile them (no type check) next to each other.
const fakeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-llm-bench-'));
for (const file of fs.readdirSync(path.join(ROOT, 'test/fixtures/fake-llm'))) {
  if (!file.endsWith('.ts')) continue;
  const src = fs.readFileSync(path.join(ROOT, 'test/fixtures/fake-llm', file), 'utf8');
  const out = ts.transpileModule(src, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: false,
    },
  });
  fs.writeFileSync(path.join(fakeDir, file.replace(/\.ts$/, '.js')), out.outputText);
}
const { startFakeOpenAI } = await import(path.join(fakeDir, 'fake-openai.js'));
const { startFakeAnthropic } = await import(path.join(fakeDir, 'fake-anthropic.js'));
const { createProvider, createEmbedder } = await import(
  path.join(ROOT, 'dist/src/agents/providers/create-provider.js')
);
const { configSchema } = await import(path.join(ROOT, 'dist/src/config/schema.js'));

const ms = (x) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

// 1. Fresh-process costs: importing the SDKs, and building a provider (which must not load one).
function fresh(code) {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    runs.push(Number(r.stdout.trim()));
  }
  return quantile(runs, 0.5);
}
const timed = (body) => `const t=performance.now(); ${body}; console.log(performance.now()-t)`;
console.log('fresh process, median of 5:');
console.log(`  import openai SDK                 ${ms(fresh(timed("await import('openai')")))}`);
console.log(`  import @anthropic-ai/sdk          ${ms(fresh(timed("await import('@anthropic-ai/sdk')")))}`);
console.log(
  `  import config schema (zod)        ${ms(fresh(timed("await import('./dist/src/config/schema.js')")))}`,
);
// A plain config object (what the schema would produce) so zod's import is not counted here.
const plain = `{llm:{default_provider:'openai',max_steps:20,max_tokens:4096,
openai:{timeout:'60s'},anthropic:{timeout:'60s'},ollama:{timeout:'120s',base_url:'http://127.0.0.1:11434/v1'}}}`;
console.log(
  `  import create-provider + build 3  ${ms(
    fresh(
      timed(`const {createProvider}=await import('./dist/src/agents/providers/create-provider.js'); const c=${plain};
createProvider(c,{env:{OPENAI_API_KEY:'k'}}); createProvider(c,{provider:'anthropic',env:{ANTHROPIC_API_KEY:'k'}}); createProvider(c,{provider:'ollama',env:{}})`),
    ),
  )}`,
);

// 2. Round trips against the fakes.
const config = configSchema.parse({});
const ask = (onText) => ({
  system: 'bench',
  messages: [{ role: 'user', content: 'hello' }],
  tools: [],
  maxTokens: 64,
  ...(onText ? { onText } : {}),
});
async function roundTrips(label, start, envOf, provider) {
  const server = await start(() => ({ text: 'a short answer of a few words' }));
  const p = createProvider(config, { provider, env: envOf(server) });
  for (const streaming of [false, true]) {
    await p.complete(ask(streaming ? () => {} : undefined)); // warm: SDK import, connection
    const times = [];
    for (let i = 0; i < CALLS; i++) {
      const t = performance.now();
      await p.complete(ask(streaming ? () => {} : undefined));
      times.push(performance.now() - t);
    }
    console.log(
      `  ${label} ${streaming ? 'streaming    ' : 'non-streaming'} median ${ms(quantile(times, 0.5))}, p95 ${ms(quantile(times, 0.95))}`,
    );
  }
  await server.close();
}
console.log(`\nround trip to the loopback fake (${CALLS} calls, fake's own work included):`);
await roundTrips(
  'openai   ',
  startFakeOpenAI,
  (s) => ({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: s.url }),
  'openai',
);
await roundTrips(
  'anthropic',
  startFakeAnthropic,
  (s) => ({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: s.url }),
  'anthropic',
);

// 3. A long streamed answer: deltas per second through SDK + accumulation + onText.
console.log(`\nlong stream (${CHUNKS} text chunks + a tool call with ${CHUNKS} bytes of arguments):`);
for (const [label, start, envOf, provider] of [
  ['openai   ', startFakeOpenAI, (s) => ({ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: s.url }), 'openai'],
  [
    'anthropic',
    startFakeAnthropic,
    (s) => ({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: s.url }),
    'anthropic',
  ],
]) {
  const chunks = Array.from({ length: CHUNKS }, (_, i) => `w${i} `);
  const server = await start(() => ({
    chunks,
    text: chunks.join(''),
    toolCalls: [{ name: 't', args: { data: 'x'.repeat(CHUNKS) } }],
  }));
  const p = createProvider(config, { provider, env: envOf(server) });
  await p.complete(ask(() => {}));
  let deltas = 0;
  const t = performance.now();
  const r = await p.complete(ask(() => deltas++));
  const took = performance.now() - t;
  if (r.text.length !== chunks.join('').length || r.toolCalls[0].args.data.length !== CHUNKS)
    throw new Error('bad result');
  console.log(`  ${label} ${ms(took)} (${Math.round(deltas / (took / 1000))} deltas/s)`);
  await server.close();
}

// 4. Embeddings.
{
  const server = await startFakeOpenAI([], { embeddingDim: 384 });
  const e = createEmbedder(configSchema.parse({ llm: { embedding_model: 'm' } }), {
    env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: server.url },
  });
  await e.embed(['warm']);
  const texts = Array.from(
    { length: TEXTS },
    (_, i) => `memory row ${i} about nginx restarts and disk usage ${i % 17}`,
  );
  const t = performance.now();
  const vectors = await e.embed(texts);
  const took = performance.now() - t;
  console.log(
    `\nembeddings: ${TEXTS} texts × 384 dims in ${ms(took)} (${vectors.length} vectors, batches of 128)`,
  );
  await server.close();
}
fs.rmSync(fakeDir, { recursive: true, force: true });
