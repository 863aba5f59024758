// The Controller contract (ARCHITECTURE.md §2). observe does all the I/O; diff and plan are pure,
// so `aios diff` and `aios apply` run exactly the same planning code. A kind's zod schema is not
// part of it: it lives in controllers/<kind>-schema.ts, looked up through spec-schemas.ts, so
// applying cached specs never loads zod (decision 172).
import type { ContentStamps } from '../src/host/content-stamps.js';
import type { ProcessRunner } from '../src/host/process-runner.js';
import type { RootPath } from '../src/host/root-path.js';
import type { Action, Change, Decision, Effect, ResourceId } from '../src/types.js';

export interface ObserveContext {
  root: RootPath;
  runner: ProcessRunner;
  /** Directory of the spec file that declared the resource (for relative `source`). */
  specDir: string;
  /**
   * How observe may run a command that is itself an action (an intent's `check`): the gate decides
   * it first. Absent: no gate is at hand, and such a command must not run.
   */
  guard?: CommandGuard | undefined;
  /**
   * What earlier runs read of managed files (src/host/content-stamps.ts): a file whose identity
   * is unchanged since it was found equal need not be read again. Absent: every file is read.
   */
  stamps?: ContentStamps | undefined;
}

/** The policy gate and [security] sandbox, for commands observe runs on a person's behalf. */
export interface CommandGuard {
  /** The gate's decision for the action (async: the engine loads the gate on first use). */
  decide(action: Action, effect: Effect): Promise<Decision>;
  /** [security] sandbox: the command must run under bubblewrap, and is refused where it cannot. */
  sandbox: boolean;
}

/** Fields every resource kind accepts (ARCHITECTURE.md §3). */
export interface CommonSpec {
  requires?: ResourceId[] | undefined;
  notify?: ResourceId[] | undefined;
}

export interface Controller<S extends CommonSpec = CommonSpec, O = unknown> {
  kind: string;
  /** The name part of the id (`kind:name`): a path for files, a package name, ... */
  name(spec: S): string;
  /** Read the actual state. The only method that may do I/O. */
  observe(spec: S, ctx: ObserveContext): Promise<O>;
  /** Desired vs observed; empty means converged. Pure. */
  diff(spec: S, observed: O): Change[];
  /** Tool calls that converge the resource. Pure. */
  plan(changes: Change[], spec: S, observed: O): Action[];
  /** Edges the graph adds without the user writing them (a file's parent directory, ...). */
  implicitRequires?(spec: S): ResourceId[];
  /** Actions run when a resource this one is notified by changed (service restart/reload). */
  onNotify?(spec: S): Action[];
  /** Host paths whose changes mean drift (the daemon watches them). */
  watchPaths?(spec: S): string[];
  /**
   * False when a successful apply need not leave the resource converged by its own guards (an exec
   * with only `onlyif`: the condition it acts on may still hold afterwards). Default: verify.
   */
  verifiesAfterApply?(spec: S): boolean;
}
