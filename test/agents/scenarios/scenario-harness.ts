// Black-box scenarios as an outside tester runs them: only the built CLI (`node dist/cli/aios.js`,
// `node dist/cli/aios-runtime.js`) as child processes, a copy of the shipped example config with only
// its paths moved into a temp dir, HOME/XDG in that dir, and the providers' own variables
// (OPENAI_BASE_URL, ANTHROPIC_BASE_URL, OLLAMA_HOST) pointing at a loopback fake. Wire-neutral
// helpers read what the fake was sent, so one scenario runs unchanged for openai, anthropic and
// ollama. Children are spawned asynchronously: the fakes live in this process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeAnthropic } from '../../fixtures/fake-llm/fake-anthropic.js';
import { type FakeServer, startFakeOpenAI } from '../../fixtures/fake-llm/fake-openai.js';
import type { RecordedRequest, Script } from '../../fixtures/fake-llm/fake-script.js';
import { AIOS as BUILT_AIOS, RUNTIME as BUILT_RUNTIME } from '../../runtime/daemon-harness.js';
import { type ChatBox, type ChatBoxOptions, exampleBox } from '../surfaces/e2e-harness.js';

/**
 * The built CLI. AIOS_SCENARIO_DIST points at a private copy of dist/ inside this checkout (so
 * node_modules still resolve) when other builds keep rewriting the shared one during a run.
 */
const DIST = process.env.AIOS_SCENARIO_DIST;
export const AIOS = DIST ? path.join(DIST, 'cli/aios.js') : BUILT_AIOS;
export const RUNTIME = DIST ? path.join(DIST, 'cli/aios-runtime.js') : BUILT_RUNTIME;
export type { FakeServer, RecordedRequest, Script };

export const PROVIDERS = ['openai', 'anthropic', 'ollama'] as const;
export type ProviderKind = (typeof PROVIDERS)[number];

/** Planted keys: they must reach the fake (auth header) and nothing else. */
export const ENV_KEY = 'sk-scenario-env-9d41c7e2b85f4a36a0c1';
export const CONFIG_KEY = 'sk-scenario-cfg-3b7e0a9c51d24f68b2e4';

export type Box = ChatBox;

/** exampleBox's options; `tail` is the tables appended after the example. */
export type BoxOptions = Omit<ChatBoxOptions, 'extra'> & { tail?: string };

/** The example config as a user copies it, in a temp dir of its own (see exampleBox). */
export async function makeBox(prefix: string, opts: BoxOptions = {}): Promise<Box> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), `aios-scn-${prefix}-`));
  const { tail, ...rest } = opts;
  return exampleBox(dir, { ...rest, ...(tail !== undefined ? { extra: tail } : {}) });
}

export const rootFile = (box: Box, p: string) => path.join(box.root, p.replace(/^\//, ''));

/** Provider variables the runner may have: never inherited. */
const PROVIDER_VARS = [
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'OPENAI_ORG_ID',
  'OPENAI_PROJECT_ID',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_BASE_URL',
  'OLLAMA_HOST',
];

/** An environment with HOME/XDG in the box, nothing of the runner's aios or provider settings. */
export function baseEnv(box: Box, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('AIOS_') || PROVIDER_VARS.includes(k) || k.startsWith('XDG_')) continue;
    env[k] = v;
  }
  Object.assign(env, {
    HOME: box.dir,
    XDG_CONFIG_HOME: path.join(box.dir, 'xdg/config'),
    XDG_DATA_HOME: path.join(box.dir, 'xdg/data'),
    XDG_STATE_HOME: path.join(box.dir, 'xdg/state'),
    XDG_CACHE_HOME: path.join(box.dir, 'xdg/cache'),
    NO_COLOR: '1',
    ...extra,
  });
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

/**
 * How a tester points aios at the fake for each provider: openai by OPENAI_BASE_URL (beating the
 * example's base_url), anthropic by ANTHROPIC_BASE_URL plus AIOS_LLM__DEFAULT_PROVIDER, ollama by
 * OLLAMA_HOST and no key at all.
 */
export function providerEnv(kind: ProviderKind, fake: FakeServer): NodeJS.ProcessEnv {
  switch (kind) {
    case 'openai':
      return { OPENAI_API_KEY: ENV_KEY, OPENAI_BASE_URL: fake.url };
    case 'anthropic':
      return {
        ANTHROPIC_API_KEY: ENV_KEY,
        ANTHROPIC_BASE_URL: fake.url,
        AIOS_LLM__DEFAULT_PROVIDER: 'anthropic',
      };
    case 'ollama':
      return { OLLAMA_HOST: fake.host, AIOS_LLM__DEFAULT_PROVIDER: 'ollama' };
  }
}

export function startFake(
  kind: ProviderKind,
  script: Script,
  opts: { apiKey?: string; models?: string[] } = {},
): Promise<FakeServer> {
  const withKey = kind === 'ollama' ? { ...opts, apiKey: undefined } : opts;
  const clean = Object.fromEntries(Object.entries(withKey).filter(([, v]) => v !== undefined));
  return kind === 'anthropic' ? startFakeAnthropic(script, clean) : startFakeOpenAI(script, clean);
}

export interface RunResult {
  code: number | null;
  out: string;
  err: string;
  ms: number;
  /** stdout as it arrived: [ms since start, text]. */
  outChunks: [number, string][];
}

/** `aios ARGS --config CONFIG` as a process; resolves when it exits. */
export function aios(
  box: Box,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { timeoutMs?: number; onOut?: (soFar: string) => void } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [AIOS, ...args, '--config', box.config], { env, cwd: box.dir });
    let out = '';
    let err = '';
    const outChunks: [number, string][] = [];
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      outChunks.push([Date.now() - started, c]);
      opts.onOut?.(out);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aios ${args.join(' ')} timed out\nstdout:\n${out}\nstderr:\n${err}`));
    }, opts.timeoutMs ?? 40_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, ms: Date.now() - started, outChunks });
    });
    child.stdin.end();
  });
}

export const SESSION_FOOTER = /^session ([0-9a-f-]{36}) · /m;
export const sessionOf = (r: RunResult) => SESSION_FOOTER.exec(r.err)?.[1];

/** Every file under `dir` whose bytes contain `needle` (memory.db, -wal and -shm included). */
export function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const bytes = Buffer.from(needle);
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.readFileSync(p).includes(bytes)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

// ---------------------------------------------------------------- what the fake was sent, per wire

export interface WireToolResult {
  id: string;
  content: string;
  isError: boolean;
}

export interface WireToolCall {
  id: string;
  name: string;
  args: unknown;
}

type Body = RecordedRequest['body'];

/** Names of the tools offered, with their JSON schema (OpenAI parameters, Anthropic input_schema). */
export function offeredTools(
  kind: ProviderKind,
  body: Body,
): { name: string; schema: Record<string, unknown> }[] {
  type WireTool = { name?: string; input_schema?: Record<string, unknown> } & {
    function?: { name: string; parameters: Record<string, unknown> };
  };
  const tools = (body?.tools ?? []) as WireTool[];
  return kind === 'anthropic'
    ? tools.map((t) => ({ name: String(t.name), schema: t.input_schema ?? {} }))
    : tools.map((t) => ({ name: String(t.function?.name), schema: t.function?.parameters ?? {} }));
}

/** Every tool result in a request's messages, in order. */
export function toolResults(kind: ProviderKind, body: Body): WireToolResult[] {
  const out: WireToolResult[] = [];
  for (const m of (body?.messages ?? []) as Record<string, unknown>[]) {
    if (kind !== 'anthropic') {
      if (m.role === 'tool')
        out.push({ id: String(m.tool_call_id), content: textOf(m.content), isError: false });
      continue;
    }
    if (m.role !== 'user' || !Array.isArray(m.content)) continue;
    for (const block of m.content as Record<string, unknown>[]) {
      if (block.type === 'tool_result')
        out.push({
          id: String(block.tool_use_id),
          content: textOf(block.content),
          isError: block.is_error === true,
        });
    }
  }
  return out;
}

/** Every tool call the assistant made, as the client replays it. */
export function assistantCalls(kind: ProviderKind, body: Body): WireToolCall[] {
  const out: WireToolCall[] = [];
  for (const m of (body?.messages ?? []) as Record<string, unknown>[]) {
    if (m.role !== 'assistant') continue;
    if (kind !== 'anthropic') {
      for (const c of (m.tool_calls ?? []) as { id: string; function: { name: string; arguments: string } }[])
        out.push({ id: c.id, name: c.function.name, args: JSON.parse(c.function.arguments || '{}') });
      continue;
    }
    if (!Array.isArray(m.content)) continue;
    for (const b of m.content as Record<string, unknown>[])
      if (b.type === 'tool_use') out.push({ id: String(b.id), name: String(b.name), args: b.input });
  }
  return out;
}

/** The user's own words in a request (not tool results), in order. */
export function userTexts(kind: ProviderKind, body: Body): string[] {
  const out: string[] = [];
  for (const m of (body?.messages ?? []) as Record<string, unknown>[]) {
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') out.push(m.content);
    else if (Array.isArray(m.content)) {
      const texts = (m.content as Record<string, unknown>[]).filter((b) => b.type === 'text');
      if (texts.length > 0 || kind !== 'anthropic') out.push(texts.map((b) => String(b.text)).join(''));
    }
  }
  return out;
}

/** The system prompt of a request (OpenAI: the first system message; Anthropic: `system`). */
export function systemText(kind: ProviderKind, body: Body): string {
  if (kind === 'anthropic') return textOf(body?.system);
  const sys = ((body?.messages ?? []) as { role: string; content: unknown }[]).find(
    (m) => m.role === 'system' || m.role === 'developer',
  );
  return textOf(sys?.content);
}

/** The latest tool result of a request, or '' (what a scripted model "reads"). */
export function lastResult(kind: ProviderKind, req: RecordedRequest): string {
  return toolResults(kind, req.body).at(-1)?.content ?? '';
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((b) => (typeof b === 'string' ? b : String((b as { text?: unknown }).text ?? '')))
      .join('');
  return content === undefined || content === null ? '' : JSON.stringify(content);
}

// ---------------------------------------------------------------- the daemon

export interface Daemon {
  log(): string;
  /** e.g. SIGHUP: reload config, specs and policies. */
  signal(sig: NodeJS.Signals): void;
  kill(): Promise<void>;
}

/** `aios-runtime --config CONFIG`, ready once it logs "listening on". */
export async function startDaemon(box: Box, env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<Daemon> {
  const child = spawn(process.execPath, [RUNTIME, '--config', box.config], { env, cwd: box.dir });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    log += c;
  });
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    log += c;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  while (!log.includes('listening on')) {
    if (child.exitCode !== null) throw new Error(`aios-runtime exited:\n${log}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`aios-runtime did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    log: () => log,
    signal: (sig) => void child.kill(sig),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

// ---------------------------------------------------------------- per-test resources

/** The test context's cleanup hook: concurrent tests must use their own context's, not a global one. */
export interface TestCtx {
  onTestFinished(fn: () => unknown): void;
}

/** makeBox, removed when the test finishes. */
export async function boxFor(t: TestCtx, prefix: string, opts: BoxOptions = {}): Promise<Box> {
  const box = await makeBox(prefix, opts);
  t.onTestFinished(() => fs.rmSync(box.dir, { recursive: true, force: true }));
  return box;
}

/** startFake, closed when the test finishes. */
export async function fakeFor(
  t: TestCtx,
  kind: ProviderKind,
  script: Script,
  opts: { apiKey?: string; models?: string[] } = {},
): Promise<FakeServer> {
  const fake = await startFake(kind, script, opts);
  t.onTestFinished(() => fake.close());
  return fake;
}
