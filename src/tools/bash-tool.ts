// The `bash` tool: one command line through `bash -c`, with captured stdout/stderr/exit code,
// capped output and a timeout; under [security] sandbox it runs in bubblewrap (exec-run.ts).
// A failing command is a result with ok=false, never an exception.
import type { z } from 'zod';
import { DEFAULT_TIMEOUT_SEC, execResult, runExec } from './exec-run.js';
import type { Tool } from './tool.js';
import { bashArgs } from './tool-arg-schemas.js';
import { TOOL } from './tool-args.js';

export const bashTool: Tool<z.infer<typeof bashArgs>> = {
  name: TOOL.bash,
  description:
    'Run a bash command line and return its stdout, stderr and exit code. Output is capped; ' +
    `the command is killed after "timeout" seconds (default ${DEFAULT_TIMEOUT_SEC}).`,
  schema: bashArgs,
  effect: 'exec',
  async run(args, ctx) {
    const timeoutSec = args.timeout ?? DEFAULT_TIMEOUT_SEC;
    const outcome = await runExec(ctx, {
      command: ['bash', '-c', args.command],
      cwd: args.cwd,
      timeoutSec,
      effect: 'exec',
    });
    return execResult(ctx, outcome, timeoutSec);
  },
};
