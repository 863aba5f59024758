// The tool registry: the built-in tools, the system tools (packages, services, users, groups) and
// the plugins of [tools] plugins_dir, by name. It also gives the JSON schemas an LLM sees. It does
// not run anything or decide anything: executeAction runs, the policy gate decides.
import { z } from 'zod';
import { type ProcessRunner, spawnRunner } from '../host/process-runner.js';
import { bashTool } from './bash-tool.js';
import { fileTools } from './file-tools.js';
import { fsActionTools } from './fs-action-tools.js';
import { loadPlugins } from './plugins.js';
import { systemTools } from './system-tools.js';
import type { Tool } from './tool.js';

export interface ToolSchema {
  name: string;
  description: string;
  /** JSON schema of the arguments (an object schema). */
  parameters: Record<string, unknown>;
}

export interface ToolRegistry {
  get(name: string): Tool | undefined;
  list(): Tool[];
  /** Each tool as {name, description, parameters}, for an LLM's tool list. */
  jsonSchemas(): ToolSchema[];
}

export interface RegistryOptions {
  pluginsDir?: string | undefined;
  /** Where warnings about skipped plugins go (default: dropped). */
  warn?: ((msg: string) => void) | undefined;
  /**
   * [security] sandbox: when true, every tool runs with ctx.sandbox set (a caller cannot forget
   * it), and `.mjs` plugins are never imported into this process (their manifest is read, and they
   * run, under bubblewrap). `runner` spawns that sandbox while loading.
   */
  sandbox?: boolean | undefined;
  runner?: ProcessRunner | undefined;
}

/** The built-in tools in a stable order: bash, the file tools, the fs actions, the system tools. */
export function builtinTools(): Tool[] {
  return [bashTool, ...fileTools, ...fsActionTools, ...systemTools];
}

/** JSON schema of a tool's arguments, as an LLM sees it. */
export function toolJsonSchema(tool: Tool): Record<string, unknown> {
  if (tool.parameters) return tool.parameters;
  const schema = z.toJSONSchema(tool.schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  const { $schema: _drop, ...rest } = schema;
  return tidy(rest) as Record<string, unknown>;
}

// JSON Schema formats providers understand; zod also emits its own (`starts_with`), which some
// providers reject in strict mode, and ±MAX_SAFE_INTEGER bounds that only add noise.
const STANDARD_FORMATS = new Set([
  'date-time',
  'date',
  'time',
  'duration',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'uri',
  'uuid',
]);

function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'format' && typeof v === 'string' && !STANDARD_FORMATS.has(v)) continue;
    if (k === 'maximum' && v === Number.MAX_SAFE_INTEGER) continue;
    if (k === 'minimum' && v === Number.MIN_SAFE_INTEGER) continue;
    out[k] = tidy(v);
  }
  return out;
}

/** A registry over a fixed list of tools (later duplicates are ignored). */
export function registryOf(tools: Tool[]): ToolRegistry {
  const byName = new Map<string, Tool>();
  for (const t of tools) if (!byName.has(t.name)) byName.set(t.name, t);
  const list = [...byName.values()];
  // Converting every schema takes tens of ms and the agent asks for them on each turn: do it once.
  let schemas: ToolSchema[] | undefined;
  return {
    get: (name) => byName.get(name),
    list: () => [...list],
    jsonSchemas: () => {
      schemas ??= list.map((t) => ({
        name: t.name,
        description: t.description,
        parameters: toolJsonSchema(t),
      }));
      return structuredClone(schemas);
    },
  };
}

/** The built-ins only, synchronously (tests, controllers' conformance suites, `aios policy`). */
export function createBuiltinRegistry(): ToolRegistry {
  return registryOf(builtinTools());
}

/**
 * The built-ins plus the plugins of `pluginsDir`. A bad plugin is skipped with a warning naming
 * its file; it never makes this fail.
 */
export async function createRegistry(opts: RegistryOptions = {}): Promise<ToolRegistry> {
  const builtins = builtinTools();
  const plugins = opts.pluginsDir
    ? await loadPlugins(opts.pluginsDir, {
        taken: new Set(builtins.map((t) => t.name)),
        warn: opts.warn ?? (() => {}),
        sandboxRunner: opts.sandbox ? (opts.runner ?? spawnRunner) : undefined,
      })
    : [];
  const all = [...builtins, ...plugins];
  return registryOf(opts.sandbox ? all.map(alwaysSandboxed) : all);
}

/** A tool whose every run has ctx.sandbox set, whatever the caller passed. */
function alwaysSandboxed(tool: Tool): Tool {
  return { ...tool, run: (args, ctx) => tool.run(args, { ...ctx, sandbox: true }) };
}
