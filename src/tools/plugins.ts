// Plugin tools from [tools] plugins_dir (docs/writing-a-tool-plugin.md): an ES module `NAME.mjs`
// exporting `manifest` and `run(args, ctx)`, or an executable with a sibling `NAME.json` manifest
// that reads its arguments as JSON on stdin and prints its result on stdout. A bad plugin is
// skipped with a warning naming its file; loading never throws. Arguments are validated against the
// manifest's JSON schema (zod's fromJSONSchema) before a plugin runs.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import type { ProcessRunner } from '../host/process-runner.js';
import { execResult, runExec } from './exec-run.js';
import { readModuleExportsSandboxed, runModuleSandboxed } from './module-sandbox.js';
import { pluginResult } from './plugin-result.js';
import type { Tool, ToolContext } from './tool.js';
import { failure } from './tool-result.js';

const DEFAULT_PLUGIN_TIMEOUT_SEC = 60;

export const pluginManifestSchema = z.object({
  // What OpenAI and Anthropic accept as a tool name.
  name: z
    .string()
    .regex(
      /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/,
      'letters, digits, "_" or "-", at most 64, starting with a letter',
    ),
  description: z.string().min(1, 'must not be empty'),
  parameters: z
    .record(z.string(), z.unknown())
    .refine((p) => p.type === 'object', 'must be a JSON schema of type "object"'),
  effect: z.enum(['read', 'write', 'exec', 'network']),
  /** Seconds before an executable plugin (or a sandboxed module plugin) is killed. */
  timeout: z.number().int().positive().optional(),
});

export type PluginManifest = z.infer<typeof pluginManifestSchema>;

export interface LoadPluginOptions {
  /** Names already used (built-ins, earlier plugins); a plugin that reuses one is skipped. */
  taken: Set<string>;
  warn: (msg: string) => void;
  /**
   * [security] sandbox is on: module plugins are imported only inside bubblewrap, with this runner
   * (if bwrap cannot run, they are skipped with a warning).
   */
  sandboxRunner?: ProcessRunner | undefined;
}

/** Files in a plugins dir that are documentation, not plugins. */
function isIgnored(name: string): boolean {
  return name.startsWith('.') || /^readme/i.test(name) || /\.(md|txt)$/i.test(name);
}

function checkManifest(
  raw: unknown,
  file: string,
): { ok: true; manifest: PluginManifest; schema: z.ZodType } | { ok: false; why: string } {
  const parsed = pluginManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || 'manifest'}: ${i.message}`)
      .join('; ');
    return { ok: false, why: `invalid manifest (${issues})` };
  }
  try {
    const schema = z.fromJSONSchema(parsed.data.parameters as Parameters<typeof z.fromJSONSchema>[0]);
    return { ok: true, manifest: parsed.data, schema };
  } catch (e) {
    return { ok: false, why: `invalid parameters schema in ${path.basename(file)}: ${(e as Error).message}` };
  }
}

async function loadModulePlugin(
  file: string,
  sandbox: ProcessRunner | undefined,
): Promise<{ tool?: Tool; why?: string }> {
  // With the sandbox on, the module is never imported into aios: its exports are read in a
  // sandboxed child, and it runs there too. `run` is then only a placeholder.
  let exported: { manifest?: unknown; run?: unknown };
  if (sandbox) {
    const r = await readModuleExportsSandboxed(file, sandbox);
    if (r.error !== undefined) return { why: `import failed (in the sandbox): ${r.error}` };
    exported = { manifest: r.manifest, run: r.hasRun ? () => undefined : undefined };
  } else {
    try {
      // Node caches modules by URL: the mtime in the query makes a config reload see an edited plugin.
      const url = `${pathToFileURL(file).href}?mtime=${(await fs.promises.stat(file)).mtimeMs}`;
      exported = (await import(url)) as Record<string, unknown>;
    } catch (e) {
      return { why: `import failed: ${(e as Error).message}` };
    }
  }
  if (exported.manifest === undefined) return { why: 'no exported "manifest"' };
  const run = exported.run;
  if (typeof run !== 'function') return { why: 'no exported "run(args, ctx)" function' };
  const checked = checkManifest(exported.manifest, file);
  if (!checked.ok) return { why: checked.why };
  const { manifest, schema } = checked;
  const tool: Tool = {
    name: manifest.name,
    description: manifest.description,
    schema,
    effect: manifest.effect,
    parameters: manifest.parameters,
    source: file,
    async run(args: unknown, ctx: ToolContext) {
      if (ctx.sandbox || sandbox) {
        // In process it could do anything aios can: with the sandbox it runs in its own process.
        const timeoutSec = manifest.timeout ?? DEFAULT_PLUGIN_TIMEOUT_SEC;
        return runModuleSandboxed({ name: manifest.name, file, effect: manifest.effect, timeoutSec }, args, {
          ...ctx,
          sandbox: true,
        });
      }
      try {
        return pluginResult(
          await (run as (a: unknown, c: ToolContext) => unknown)(args, ctx),
          manifest.effect,
        );
      } catch (e) {
        return failure(`${manifest.name} (${path.basename(file)}) threw: ${(e as Error).message}`);
      }
    },
  };
  return { tool };
}

async function loadExecutablePlugin(
  manifestFile: string,
  exe: string,
): Promise<{ tool?: Tool; why?: string }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.promises.readFile(manifestFile, 'utf8'));
  } catch (e) {
    return { why: `manifest ${path.basename(manifestFile)} is not valid JSON: ${(e as Error).message}` };
  }
  const checked = checkManifest(raw, manifestFile);
  if (!checked.ok) return { why: checked.why };
  const st = await fs.promises.stat(exe);
  if (!st.isFile() || (st.mode & 0o111) === 0)
    return { why: `${path.basename(exe)} is not executable (chmod +x it)` };
  const { manifest, schema } = checked;
  const timeoutSec = manifest.timeout ?? DEFAULT_PLUGIN_TIMEOUT_SEC;
  const tool: Tool = {
    name: manifest.name,
    description: manifest.description,
    schema,
    effect: manifest.effect,
    parameters: manifest.parameters,
    source: exe,
    async run(args: unknown, ctx: ToolContext) {
      const outcome = await runExec(ctx, {
        command: [exe],
        input: JSON.stringify(args),
        timeoutSec,
        effect: manifest.effect,
        env: { AIOS_TOOL: manifest.name },
        readable: [path.dirname(exe)],
      });
      const r = execResult(ctx, outcome, timeoutSec);
      if (!outcome.ok) return r;
      // Structured output: a JSON object with "output" (and "ok", "changed", "data"); else plain text.
      const text = outcome.result.stdout.trim();
      if (text.startsWith('{') && !outcome.result.truncated) {
        try {
          const obj = JSON.parse(text) as Record<string, unknown>;
          if (typeof obj.output === 'string') {
            const res = pluginResult({ ok: r.ok, ...obj }, manifest.effect);
            // A non-zero exit is a failure whatever the JSON claims.
            if (!r.ok) res.ok = false;
            res.exitCode = outcome.result.exitCode;
            if (r.stderr) res.stderr = r.stderr;
            return res;
          }
        } catch {
          // Not JSON after all: plain text output.
        }
      }
      return { ...r, changed: manifest.effect !== 'read' };
    },
  };
  return { tool };
}

/** Load every plugin of `dir`, in name order. Never throws: problems become warnings. */
export async function loadPlugins(dir: string, opts: LoadPluginOptions): Promise<Tool[]> {
  let names: string[];
  try {
    names = (await fs.promises.readdir(dir)).sort();
  } catch (e) {
    opts.warn(
      `plugins_dir ${dir}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
    return [];
  }
  const tools: Tool[] = [];
  const claimed = new Set<string>();
  const accept = (file: string, loaded: { tool?: Tool; why?: string }) => {
    if (!loaded.tool) {
      opts.warn(`plugin ${file} skipped: ${loaded.why}`);
      return;
    }
    if (opts.taken.has(loaded.tool.name)) {
      opts.warn(`plugin ${file} skipped: tool name "${loaded.tool.name}" is already taken`);
      return;
    }
    opts.taken.add(loaded.tool.name);
    tools.push(loaded.tool);
  };
  const entries = new Map<string, fs.Stats>();
  for (const name of names) {
    if (isIgnored(name)) continue;
    try {
      entries.set(name, await fs.promises.stat(path.join(dir, name)));
    } catch {
      opts.warn(`plugin ${path.join(dir, name)} skipped: cannot stat it (a dangling link?)`);
    }
  }
  for (const [name, st] of entries) {
    if (!st.isFile() || !name.endsWith('.mjs')) continue;
    claimed.add(name);
    const file = path.join(dir, name);
    accept(file, await loadModulePlugin(file, opts.sandboxRunner));
  }
  for (const [name, st] of entries) {
    if (!st.isFile() || !name.endsWith('.json')) continue;
    claimed.add(name);
    const base = name.slice(0, -'.json'.length);
    const manifestFile = path.join(dir, name);
    const candidates = [...entries.keys()].filter(
      (n) => (n === base || n.startsWith(`${base}.`)) && !n.endsWith('.json') && !n.endsWith('.mjs'),
    );
    if (candidates.length === 0) {
      opts.warn(`plugin ${manifestFile} skipped: no executable named ${base} (or ${base}.*) beside it`);
      continue;
    }
    if (candidates.length > 1) {
      opts.warn(`plugin ${manifestFile} skipped: several executables match it (${candidates.join(', ')})`);
      for (const c of candidates) claimed.add(c);
      continue;
    }
    const exe = candidates[0] as string;
    claimed.add(exe);
    accept(path.join(dir, exe), await loadExecutablePlugin(manifestFile, path.join(dir, exe)));
  }
  for (const [name, st] of entries) {
    if (claimed.has(name) || st.isDirectory()) continue;
    const base = name.includes('.') ? name.slice(0, name.indexOf('.')) : name;
    opts.warn(
      `plugin ${path.join(dir, name)} skipped: no manifest (expected ${base}.json beside it, or a .mjs module)`,
    );
  }
  return tools;
}
