// bubblewrap sandbox for exec tools ([security] sandbox = true): the whole file system read-only
// except the working directory and the paths an action declares, a private /tmp, fresh
// namespaces (no network unless the tool's effect is `network`), no capabilities, and an
// environment without secrets. This module builds the command line and probes whether bwrap can
// run here; it must never fall back to running a command unsandboxed — callers refuse instead.
import type { ProcessRunner } from './process-runner.js';

export interface SandboxSpec {
  /** Real path of the working directory; writable inside unless cwdWritable is false or it is `/`. */
  cwd: string;
  cwdWritable?: boolean;
  /** More real paths the action may write (bound only if they exist). */
  writable: string[];
  /**
   * Real paths that must stay visible read-only although they are under /tmp, which the sandbox
   * replaces with a private one: the managed root, a plugin's directory, a temp file to validate.
   */
  readable?: string[];
  /** Keep the host's network namespace (tools whose effect is `network`). */
  network: boolean;
}

export type SandboxStatus = { available: true } | { available: false; reason: string };

const SECRET_WORDS = ['KEY', 'TOKEN', 'SECRET', 'PASSWORD', 'PASSWD', 'CREDENTIAL'];
const SECRET_PREFIXES = ['AWS_', 'OPENAI_', 'ANTHROPIC_'];

/** Whether an environment variable name looks like it carries a secret. */
export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  return SECRET_WORDS.some((w) => upper.includes(w)) || SECRET_PREFIXES.some((p) => upper.startsWith(p));
}

/** A copy of `env` without the variables that look like secrets. */
export function scrubEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !isSecretName(k)) out[k] = v;
  }
  return out;
}

/**
 * aios's own credentials (the LLM providers' keys, in their env names and as config overrides).
 * No tool needs them, and a command the agent runs could print them back to the model, so every
 * process a tool starts goes without them, sandboxed or not.
 */
export function isAiosCredentialName(name: string): boolean {
  const upper = name.toUpperCase();
  return (
    upper === 'OPENAI_API_KEY' ||
    upper === 'ANTHROPIC_API_KEY' ||
    upper === 'ANTHROPIC_AUTH_TOKEN' ||
    (upper.startsWith('AIOS_') && upper.endsWith('API_KEY'))
  );
}

/** A copy of `env` without aios's own credentials (see isAiosCredentialName). */
export function withoutAiosCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !isAiosCredentialName(k)) out[k] = v;
  }
  return out;
}

/** The bwrap command line that runs `command` inside the sandbox. */
export function bwrapCommand(command: string[], spec: SandboxSpec): string[] {
  const args = [
    'bwrap',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    // A private /tmp first, so a working dir under /tmp is bound on top of it below.
    '--tmpfs',
    '/tmp',
    '--unshare-all',
  ];
  if (spec.network) args.push('--share-net');
  args.push(
    '--die-with-parent',
    // A new session: the sandboxed process cannot push keystrokes into our terminal (TIOCSTI).
    '--new-session',
    // We run as root; without this the process could remount / read-write in its own namespace.
    '--cap-drop',
    'ALL',
  );
  for (const r of spec.readable ?? []) {
    if (r !== '/') args.push('--ro-bind-try', r, r);
  }
  // A working directory of `/` would make the whole machine writable: then it stays read-only.
  if (spec.cwd !== '/' && spec.cwdWritable !== false) args.push('--bind', spec.cwd, spec.cwd);
  for (const w of spec.writable) {
    if (w === '/' || (w === spec.cwd && spec.cwdWritable !== false)) continue;
    args.push('--bind-try', w, w);
  }
  args.push('--chdir', spec.cwd, '--', ...command);
  return args;
}

const probes = new WeakMap<ProcessRunner, Promise<SandboxStatus>>();

/**
 * Whether bwrap runs here (installed, and the kernel lets it create namespaces). Probed once per
 * runner: `bwrap --ro-bind / / true`.
 */
export function probeSandbox(runner: ProcessRunner): Promise<SandboxStatus> {
  let p = probes.get(runner);
  if (!p) {
    p = runner(['bwrap', '--ro-bind', '/', '/', '--unshare-all', '--die-with-parent', 'true'], {
      timeoutMs: 10_000,
    }).then((r): SandboxStatus => {
      if (r.exitCode === 0) return { available: true };
      if (r.exitCode === 127) {
        return {
          available: false,
          reason:
            'bubblewrap (bwrap) is not installed; install the "bubblewrap" package or set [security] sandbox = false',
        };
      }
      const why = r.stderr.trim() || `exit code ${r.exitCode}`;
      return { available: false, reason: `bubblewrap cannot run here: ${why}` };
    });
    probes.set(runner, p);
  }
  return p;
}
