// The `exec` kind: a command that runs only when needed, like Puppet's exec. Guards decide:
// converged when `creates` exists, or `unless` exits 0, or `onlyif` exits non-zero. Guards run in
// observe (through ctx.runner, `bash -c`, cwd inside the root, AIOS_ROOT set), so they MUST be
// read-only: `aios diff` runs them. The command itself runs on the host, NOT chrooted: it gets
// AIOS_ROOT and must prefix its own paths with it to respect `--root`. The spec's schema is in
// exec-schema.ts: this module must not load zod (decision 172).
import fs from 'node:fs/promises';
import { resolveInRoot } from '../src/host/fs-resolve.js';
import type { RunResult } from '../src/host/process-runner.js';
import { scrubEnv } from '../src/host/sandbox.js';
import { TOOL } from '../src/tools/tool-args.js';
import type { Action, Change, ResourceId } from '../src/types.js';
import type { Controller, ObserveContext } from './controller.js';
import type { ExecSpec } from './exec-schema.js';
import { shellQuote } from './shell-quote.js';

export interface ExecObserved {
  /** Whether the guards say the command should run now. */
  run: boolean;
  /** Why (or why not), for the diff and the logs. */
  reason: string;
}

/** The command line planned for the bash tool: exported environment, then the command. Pure. */
export function execCommandLine(spec: ExecSpec): string {
  const env = Object.entries(spec.environment ?? {});
  if (env.length === 0) return spec.command;
  return `export ${env.map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ')}\n${spec.command}`;
}

async function runGuard(spec: ExecSpec, guard: string, ctx: ObserveContext): Promise<RunResult> {
  const cwd = await resolveInRoot(ctx.root, spec.cwd ?? '/', true);
  // timeout(1) kills the guard's whole process group, as the bash tool does for commands.
  return ctx.runner(['timeout', '-k', '2', `${spec.timeout}s`, 'bash', '-c', guard], {
    cwd,
    // A guard only checks something: it has no use for aios's own API keys and tokens.
    env: { ...scrubEnv(process.env), AIOS_ROOT: ctx.root.root, ...spec.environment },
    timeoutMs: (spec.timeout + 5) * 1000,
    maxOutputBytes: 64 * 1024,
  });
}

function exitLabel(r: RunResult): string {
  return timedOut(r) ? 'timed out' : `exited ${r.exitCode}`;
}

/** timeout(1) exits 124 (137 after -k's SIGKILL); the runner's backstop sets timedOut. */
function timedOut(r: RunResult): boolean {
  return r.timedOut || r.exitCode === 124 || r.exitCode === 137;
}

export const execController: Controller<ExecSpec, ExecObserved> = {
  kind: 'exec',
  name: (spec) => spec.name,

  async observe(spec: ExecSpec, ctx: ObserveContext): Promise<ExecObserved> {
    if (spec.refreshonly) return { run: false, reason: 'refreshonly: runs only when notified' };
    // Cheapest first, and stop at the first guard that says "converged".
    if (spec.creates) {
      try {
        await fs.lstat(await resolveInRoot(ctx.root, spec.creates, false));
        return { run: false, reason: `${spec.creates} exists` };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      }
    }
    const why: string[] = [];
    if (spec.creates) why.push(`${spec.creates} is missing`);
    if (spec.unless) {
      const r = await runGuard(spec, spec.unless, ctx);
      if (r.exitCode === 0 && !timedOut(r)) return { run: false, reason: 'unless exited 0' };
      why.push(`unless ${exitLabel(r)}`);
    }
    if (spec.onlyif) {
      const r = await runGuard(spec, spec.onlyif, ctx);
      if (r.exitCode !== 0 || timedOut(r)) return { run: false, reason: `onlyif ${exitLabel(r)}` };
      why.push('onlyif exited 0');
    }
    return { run: true, reason: why.join(', ') };
  },

  diff(spec: ExecSpec, obs: ExecObserved): Change[] {
    return obs.run ? [{ field: 'run', before: obs.reason, after: spec.command }] : [];
  },

  plan(changes: Change[], spec: ExecSpec): Action[] {
    if (changes.length === 0) return [];
    return [bashAction(spec, execCommandLine(spec), String(changes[0]?.before ?? 'guards say run'))];
  },

  /**
   * On notify the guards cannot be observed first (onNotify is pure and has no context), so they
   * travel inside the command line and the shell evaluates them right before the command.
   */
  onNotify(spec: ExecSpec): Action[] {
    const lines: string[] = [];
    if (spec.creates) lines.push(`[ -e "$AIOS_ROOT"${shellQuote(spec.creates)} ] && exit 0`);
    if (spec.unless) lines.push(`( ${spec.unless} ) >/dev/null 2>&1 && exit 0`);
    if (spec.onlyif) lines.push(`( ${spec.onlyif} ) >/dev/null 2>&1 || exit 0`);
    lines.push(execCommandLine(spec));
    return [bashAction(spec, lines.join('\n'), 'notified by a changed resource')];
  },

  implicitRequires(spec: ExecSpec): ResourceId[] {
    return spec.cwd ? [`directory:${spec.cwd}`] : [];
  },

  watchPaths: (spec) => (spec.creates ? [spec.creates] : []),
  // `creates` and `unless` say what "done" looks like; `onlyif` only says when to act, and may
  // still hold after a successful run (like Puppet's exec, which is not re-checked either).
  verifiesAfterApply: (spec) => Boolean(spec.creates || spec.unless),
};

function bashAction(spec: ExecSpec, command: string, reason: string): Action {
  const args: Record<string, unknown> = { command, timeout: spec.timeout };
  if (spec.cwd) args.cwd = spec.cwd;
  return { tool: TOOL.bash, args, resource: `exec:${spec.name}`, reason };
}
