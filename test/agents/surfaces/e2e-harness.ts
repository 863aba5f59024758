// For the end-to-end tests of `aios chat`, `aios shell` and the daemon's chat: a sandbox whose config
// is the shipped example (/work/shared/examples/config.toml, copied as a user would) with only the
// paths moved into a temp dir, and the built CLI run ASYNCHRONOUSLY (the fake LLM servers live in
// this process: a spawnSync would block the very server the CLI talks to).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FakeServer } from '../../fixtures/fake-llm/fake-openai.js';
import { AIOS, isolatedEnv } from '../../runtime/daemon-harness.js';

export const EXAMPLE_CONFIG = '/work/shared/examples/config.toml';
/** The same file as written there, for a checkout that runs without /work/shared (CI elsewhere). */
const EXAMPLE_TEXT = `[aios]
version = "0.1.0"
data_dir = "/var/lib/aios"
socket_path = "/tmp/aios-runtime.sock"

[llm]
default_provider = "openai"

[llm.openai]
base_url = "https://api.openai.com/v1"
model = "gpt-4"

[agents]
core_agent = true
security_agent = false
system_agent = false

[recovery]
enabled = true
snapshot_interval = "hourly"
max_snapshots = 24
auto_rollback = false

[security]
mode = "normal"  # safe, normal, paranoid
sandbox = false
dangerous_patterns = ["rm -rf /", "mkfs.*"]
require_confirm = ["sudo.*", "systemctl.*"]
`;
/** Planted in the environment of every run: it must never come back out. */
export const PLANTED_KEY = 'sk-planted-surfaces-7f3c9a1e5b2d4c6f8a0b';

export interface ChatBox {
  dir: string;
  root: string;
  specs: string;
  sock: string;
  config: string;
  memory: string;
  data: string;
}

export interface ChatBoxOptions {
  /** [security] mode (the example's is "normal"). */
  mode?: string;
  /** [agents] system_agent (the example's is false). */
  systemAgent?: boolean;
  /** [agents] security_agent (the example's is false). */
  securityAgent?: boolean;
  /** Extra `key = value` lines placed inside the example's [llm.openai] table. */
  openaiLines?: string;
  /** Keep the example's [recovery] enabled = true (apply then snapshots the root's /etc first). */
  recovery?: boolean;
  /** Extra tables appended (not [security] or [agents]: the example has those). */
  extra?: string;
}

/** The example config with data_dir, socket, memory, root and specs moved into a temp dir. */
export async function makeChatBox(prefix: string, opts: ChatBoxOptions = {}): Promise<ChatBox> {
  return exampleBox(await fs.promises.mkdtemp(path.join(os.tmpdir(), prefix)), opts);
}

/**
 * The example config as a user copies it into `dir`: every table and value kept (its
 * [llm.openai] base_url included, which the provider variables must beat), only its paths moved
 * into the dir and the asked-for values changed. Each change must find its line: a changed
 * example fails here, not in some later assertion. Shared by the chat surfaces and the scenarios.
 */
export function exampleBox(dir: string, opts: ChatBoxOptions = {}): ChatBox {
  const box: ChatBox = {
    dir,
    root: path.join(dir, 'root'),
    specs: path.join(dir, 'specs'),
    sock: path.join(dir, 'aios.sock'),
    config: path.join(dir, 'config.toml'),
    memory: path.join(dir, 'memory.db'),
    data: path.join(dir, 'data'),
  };
  fs.mkdirSync(path.join(box.root, 'etc'), { recursive: true });
  fs.mkdirSync(box.specs);
  let text = fs.existsSync(EXAMPLE_CONFIG) ? fs.readFileSync(EXAMPLE_CONFIG, 'utf8') : EXAMPLE_TEXT;
  // The example's base_url stays as written: OPENAI_BASE_URL must win over it.
  expectIncludes(text, 'base_url = "https://api.openai.com/v1"');
  const swap = (from: string | RegExp, to: string) => {
    const next = text.replace(from, to);
    if (next === text && !text.includes(to))
      throw new Error(`the example config changed: no ${String(from)}`);
    text = next;
  };
  swap('data_dir = "/var/lib/aios"', `data_dir = "${box.data}"`);
  swap('socket_path = "/tmp/aios-runtime.sock"', `socket_path = "${box.sock}"`);
  // Scheduled snapshots of the real /etc have no place in a test.
  if (!opts.recovery) swap(/\[recovery\]\nenabled = true/, '[recovery]\nenabled = false');
  swap('mode = "normal"', `mode = "${opts.mode ?? 'normal'}"`);
  swap('system_agent = false', `system_agent = ${opts.systemAgent ? 'true' : 'false'}`);
  if (opts.securityAgent) swap('security_agent = false', 'security_agent = true');
  if (opts.openaiLines) swap('model = "gpt-4"', `model = "gpt-4"\n${opts.openaiLines}`);
  fs.writeFileSync(
    box.config,
    `${text}\n[memory]\npath = "${box.memory}"\n[controller]\nspecs_dir = "${box.specs}"\nroot = "${box.root}"\n` +
      `[runtime]\ndebounce_ms = 5\n${opts.extra ?? ''}\n`,
  );
  return box;
}

function expectIncludes(text: string, needle: string): void {
  if (!text.includes(needle)) throw new Error(`the example config changed: no ${needle}`);
}

export interface RunResult {
  code: number | null;
  out: string;
  err: string;
}

/** Environment of a run: isolated home, the planted key, and the fake servers' URLs. */
export function chatEnv(box: ChatBox, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = isolatedEnv(box.dir, { OPENAI_API_KEY: PLANTED_KEY, ANTHROPIC_API_KEY: PLANTED_KEY, ...extra });
  for (const k of ['OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL', 'OLLAMA_HOST', 'AIOS_CONFIG', 'AIOS_NO_DAEMON']) {
    if (!(k in extra)) delete env[k];
  }
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

/** `aios ARGS --config CONFIG`, async, with optional stdin. */
export function aios(
  box: ChatBox,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
  timeoutMs = 30_000,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AIOS, ...args, '--config', box.config], { env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aios ${args.join(' ')} timed out\nstdout:\n${out}\nstderr:\n${err}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    child.stdin.end(input ?? '');
  });
}

/** Every file under the sandbox whose bytes contain `needle` (memory.db and its WAL included). */
export function filesContaining(dir: string, needle: string, skip: string[] = []): string[] {
  const hits: string[] = [];
  const bytes = Buffer.from(needle);
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (skip.includes(p)) continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && fs.readFileSync(p).includes(bytes)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

/** The text of the last tool message a fake OpenAI request carried. */
// biome-ignore lint/suspicious/noExplicitAny: wire bodies are untyped
export function lastToolContent(body: any): string {
  const msgs = (body?.messages ?? []) as { role: string; content: unknown }[];
  const tool = [...msgs].reverse().find((m) => m.role === 'tool');
  return typeof tool?.content === 'string' ? tool.content : JSON.stringify(tool?.content ?? '');
}

/** util-linux `script` gives the terminal tests a pseudo-terminal (Debian: bsdutils, essential). */
export const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

/** `aios ARGS` on a pseudo-terminal (util-linux `script`), driven by the test through `send`. */
export function aiosOnTty(box: ChatBox, args: string[], env: NodeJS.ProcessEnv) {
  const command = [process.execPath, AIOS, ...args, '--config', box.config].map(shellQuote).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...env, TERM: 'dumb' } });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    output: () => out,
    send: (text: string) => child.stdin.write(text),
    async until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`${what} did not happen; output:\n${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async end(ms = 15_000): Promise<number | null> {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await closed;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * In a shell on a terminal: `slowLine` is asked, Ctrl-C is pressed once its request reached the
 * model, then a second question is answered ("Quick answer.") and ^D ends the shell. The caller's
 * fake serves a slow answer first and "Quick answer." second. Resolves to the shell's exit code.
 */
export async function cancelThenAskAgain(
  tty: ReturnType<typeof aiosOnTty>,
  fake: FakeServer,
  slowLine: string,
): Promise<number | null> {
  await tty.until('prompt', () => tty.output().includes('aios> '));
  tty.send(`${slowLine}\r`);
  await tty.until('request sent', () => fake.chatRequests.length === 1);
  tty.send('\u0003');
  await tty.until('cancelled', () => tty.output().includes('turn cancelled'));
  tty.send('fast question\r');
  await tty.until('second answer', () => tty.output().includes('Quick answer.'));
  tty.send('\u0004');
  return tty.end();
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
