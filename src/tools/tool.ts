// The Tool contract (ARCHITECTURE.md §2). A tool is the only way anything touches the host; the
// gate (src/policy) decides before `run` is called. `run` never throws for an expected failure:
// a failed command or a missing file is a ToolResult with ok=false.
import type { z } from 'zod';
import type { ProcessRunner } from '../host/process-runner.js';
import type { RootPath } from '../host/root-path.js';
import type { Effect } from '../types.js';

export interface ToolContext {
  root: RootPath;
  runner: ProcessRunner;
  /** Working directory for exec tools (a host path; defaults to the root). */
  cwd?: string;
  /** Run exec/plugin tools under bubblewrap ([security] sandbox). */
  sandbox: boolean;
  /** Extra paths an action may write inside the sandbox. */
  writablePaths?: string[];
  signal?: AbortSignal;
  maxOutputBytes?: number;
}

export interface ToolResult {
  ok: boolean;
  /** What a person or a model reads: stdout, a diff, a listing, an error line. */
  output: string;
  exitCode?: number;
  stderr?: string;
  /** Structured result for callers that want more than text (stat fields, a diff, ...). */
  data?: unknown;
  /** True when the tool changed the host. */
  changed?: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds tools of every argument type
export interface Tool<A = any> {
  name: string;
  description: string;
  schema: z.ZodType<A>;
  effect: Effect;
  run(args: A, ctx: ToolContext): Promise<ToolResult>;
  /** The JSON schema as declared (plugins); when absent the registry derives it from `schema`. */
  parameters?: Record<string, unknown>;
  /** Where a plugin tool came from (its file); absent for built-ins. */
  source?: string;
}
