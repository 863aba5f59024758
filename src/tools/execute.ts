// Runs one Action with the registry's tool: validates the arguments with the tool's zod schema and
// turns every failure (unknown tool, bad arguments, a thrown exception) into an ok=false result.
// It never throws and never consults the policy gate: callers decide BEFORE calling this.
import { z } from 'zod';
import type { Action } from '../types.js';
import type { ToolRegistry } from './registry.js';
import type { ToolContext, ToolResult } from './tool.js';

export async function executeAction(
  registry: ToolRegistry,
  action: Action,
  ctx: ToolContext,
): Promise<ToolResult> {
  const tool = registry.get(action.tool);
  if (!tool) {
    const known = registry
      .list()
      .map((t) => t.name)
      .join(', ');
    return { ok: false, output: `unknown tool "${action.tool}" (known: ${known})`, changed: false };
  }
  const parsed = tool.schema.safeParse(action.args ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      output: `invalid arguments for ${tool.name}:\n${z.prettifyError(parsed.error)}`,
      changed: false,
    };
  }
  if (ctx.signal?.aborted)
    return { ok: false, output: `${tool.name}: cancelled before it started`, changed: false };
  try {
    const result = await tool.run(parsed.data, ctx);
    return normalise(tool.name, result);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, output: `${tool.name} failed: ${msg}`, changed: false };
  }
}

/** Guard against tools (plugins above all) that return something that is not a ToolResult. */
function normalise(name: string, r: unknown): ToolResult {
  if (r && typeof r === 'object' && typeof (r as ToolResult).ok === 'boolean') {
    const res = r as ToolResult;
    return typeof res.output === 'string' ? res : { ...res, output: String(res.output ?? '') };
  }
  return { ok: false, output: `${name} returned no result object`, changed: false };
}
