// A plugin's return value (a string, or an object with ok/output/...) as a ToolResult, checked,
// so a plugin that returns junk becomes a failed result rather than a crash of its caller.
import type { Effect } from '../types.js';
import type { ToolResult } from './tool.js';
import { failure } from './tool-result.js';

/** A plugin's return value as a ToolResult: a string is output, an object needs `ok` and `output`. */
export function pluginResult(value: unknown, effect: Effect): ToolResult {
  if (typeof value === 'string') return { ok: true, output: value, changed: effect !== 'read' };
  if (value && typeof value === 'object' && typeof (value as ToolResult).ok === 'boolean') {
    const v = value as Partial<ToolResult>;
    const out: ToolResult = {
      ok: v.ok === true,
      output: typeof v.output === 'string' ? v.output : JSON.stringify(v.output ?? ''),
      changed: typeof v.changed === 'boolean' ? v.changed : effect !== 'read',
    };
    if (v.data !== undefined) out.data = v.data;
    if (typeof v.exitCode === 'number') out.exitCode = v.exitCode;
    if (typeof v.stderr === 'string') out.stderr = v.stderr;
    return out;
  }
  return failure('plugin returned neither a string nor an object with "ok" and "output"');
}
