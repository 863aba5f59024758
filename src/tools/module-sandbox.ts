// Runs an `.mjs` plugin in a child `node` under bubblewrap when [security] sandbox is on: an
// in-process module could do anything aios can, so with the sandbox it gets its own process and
// the same walls as an executable plugin. The child gets a reduced ctx (root, cwd, a runner that
// spawns inside the sandbox); its result comes back as JSON after a marker on stdout.
import path from 'node:path';
import type { ProcessRunner } from '../host/process-runner.js';
import { RootPath } from '../host/root-path.js';
import type { Effect } from '../types.js';
import { execResult, runExec } from './exec-run.js';
import { pluginResult } from './plugin-result.js';
import type { ToolContext, ToolResult } from './tool.js';
import { failure } from './tool-result.js';

export const RESULT_MARKER = '\n@@aios-plugin-result@@';

// The child's program. Kept small and dependency-free: it re-implements only RootPath.real's
// checks and a spawn runner with the ProcessRunner result shape.
const SHIM = `
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
const [file, rootDir] = process.argv.slice(1);
const MARK = ${JSON.stringify(RESULT_MARKER)};
const finish = (r) => { process.stdout.write(MARK + JSON.stringify(r) + '\\n'); process.exit(0); };
console.log = console.info = console.error;
let input = '';
process.stdin.setEncoding('utf8');
for await (const c of process.stdin) input += c;
const root = {
  root: rootDir,
  get isHostRoot() { return rootDir === '/'; },
  real(p) {
    if (!path.isAbsolute(p)) throw new Error('path must be absolute: ' + p);
    const n = path.posix.normalize(p);
    if (n.split('/').includes('..')) throw new Error('path escapes the root: ' + p);
    return rootDir === '/' ? n : path.join(rootDir, n);
  },
  host(r) { const rel = path.relative(rootDir, path.resolve(r)); return '/' + rel; },
};
const runner = (command, o = {}) => new Promise((resolve) => {
  const t0 = Date.now();
  const child = spawn(command[0], command.slice(1), { cwd: o.cwd, env: o.env ?? process.env });
  let out = '', err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  child.on('error', (e) => resolve({ command, exitCode: 127, signal: null, stdout: '', stderr: String(e.message), truncated: false, timedOut: false, durationMs: Date.now() - t0 }));
  child.on('close', (code, signal) => resolve({ command, exitCode: code ?? 128, signal, stdout: out, stderr: err, truncated: false, timedOut: false, durationMs: Date.now() - t0 }));
  child.stdin.on('error', () => {});
  if (o.input !== undefined) child.stdin.end(o.input); else child.stdin.end();
});
try {
  const mod = await import(pathToFileURL(file).href);
  const value = await mod.run(JSON.parse(input), { root, runner, cwd: process.cwd(), sandbox: true });
  finish({ value });
} catch (e) {
  finish({ error: e instanceof Error ? e.message : String(e) });
}
`;

// Reads a module's exports in the sandbox, so that with the sandbox on not even a plugin's
// top-level code runs inside aios.
const MANIFEST_SHIM = `
import { pathToFileURL } from 'node:url';
const MARK = ${JSON.stringify(RESULT_MARKER)};
console.log = console.info = console.error;
let out;
try {
  const mod = await import(pathToFileURL(process.argv[1]).href);
  out = { manifest: mod.manifest, hasRun: typeof mod.run === 'function' };
} catch (e) {
  out = { error: e instanceof Error ? e.message : String(e) };
}
process.stdout.write(MARK + JSON.stringify(out) + '\\n');
`;

export interface SandboxedExports {
  manifest?: unknown;
  hasRun?: boolean;
  error?: string;
}

/** Import a module plugin in a sandboxed child and report its manifest and whether it has `run`. */
export async function readModuleExportsSandboxed(
  file: string,
  runner: ProcessRunner,
): Promise<SandboxedExports> {
  const ctx: ToolContext = { root: new RootPath('/'), runner, sandbox: true };
  const outcome = await runExec(ctx, {
    command: [process.execPath, '--input-type=module', '-e', MANIFEST_SHIM, file],
    timeoutSec: 30,
    effect: 'read',
    readable: [path.dirname(file)],
  });
  if (!outcome.ok) return { error: outcome.refusal.output };
  const at = outcome.result.stdout.lastIndexOf(RESULT_MARKER);
  if (at < 0) return { error: outcome.result.stderr.trim() || `exit code ${outcome.result.exitCode}` };
  try {
    return JSON.parse(outcome.result.stdout.slice(at + RESULT_MARKER.length)) as SandboxedExports;
  } catch (e) {
    return { error: `unreadable answer from the sandbox: ${(e as Error).message}` };
  }
}

export interface ModulePlugin {
  name: string;
  file: string;
  effect: Effect;
  timeoutSec: number;
}

/** Run a module plugin's `run(args)` in a sandboxed child process. */
export async function runModuleSandboxed(
  plugin: ModulePlugin,
  args: unknown,
  ctx: ToolContext,
): Promise<ToolResult> {
  const outcome = await runExec(ctx, {
    command: [process.execPath, '--input-type=module', '-e', SHIM, plugin.file, ctx.root.root],
    input: JSON.stringify(args),
    timeoutSec: plugin.timeoutSec,
    effect: plugin.effect,
    env: { AIOS_TOOL: plugin.name },
    readable: [path.dirname(plugin.file)],
  });
  const r = execResult(ctx, outcome, plugin.timeoutSec);
  if (!outcome.ok) return r;
  const at = outcome.result.stdout.lastIndexOf(RESULT_MARKER);
  if (at < 0) {
    const why = r.stderr?.trim() || r.output.trim() || `exit code ${outcome.result.exitCode}`;
    return failure(`${plugin.name} (sandboxed) gave no result: ${why}`, {
      exitCode: outcome.result.exitCode,
    });
  }
  let parsed: { value?: unknown; error?: string };
  try {
    parsed = JSON.parse(outcome.result.stdout.slice(at + RESULT_MARKER.length)) as typeof parsed;
  } catch (e) {
    return failure(`${plugin.name} (sandboxed) returned a result that is not JSON: ${(e as Error).message}`);
  }
  if (parsed.error !== undefined) return failure(`${plugin.name} threw: ${parsed.error}`);
  const res = pluginResult(parsed.value, plugin.effect);
  if (r.stderr) res.stderr = r.stderr;
  return res;
}
