// Plain-data results of shell analysis, shared by the analyser, the rule matcher and the CLI.

/** One redirection of a simple command: its operator and (resolved) target. */
export interface ShellRedirect {
  op: string;
  target: string;
  /** The target is not statically known. */
  dynamic: boolean;
  /** Writes (or truncates) the target. */
  write: boolean;
}

/** One simple command after wrappers, quoting and flags are normalised. */
export interface SimpleCommand {
  /** Command name: unquoted, basename (`/bin/rm` → `rm`). */
  name: string;
  /** Every word after the name, unquoted, braces expanded (dynamic words as written). */
  argv: string[];
  /** Operands: argv without options (paths resolved against a known cwd). */
  args: string[];
  /** Canonical flag names, sorted (`-rf`, `-fr`, `--recursive --force` → ["force", "recursive"]). */
  flags: string[];
  /** Values of value-taking options, by canonical name. */
  options: Record<string, string>;
  /** Source text of the command as written (inner text for `bash -c` / `find -exec`). */
  raw: string;
  redirects: ShellRedirect[];
  /** Wrappers stripped on the way in, outermost first, e.g. ["sudo -u root", "bash -c"]. */
  wrappers: string[];
  /** Paths the command acts on (rm/chmod/chown/shred/mkfs operands, mv sources, ...). */
  targets: string[];
  /** Paths it writes (redirects, tee, cp/mv/install/ln destinations, dd of=, sed -i, ...). */
  writes: string[];
  /** Paths whose content it reads and prints or copies (cat, head, cp sources, ...). */
  reads: string[];
  /** Operands that are dynamic (variables, substitutions) as written. */
  dynamicArgs: string[];
  /** Operands that hold unquoted glob characters. */
  globArgs: string[];
  /** Only reads and prints: no writes, no execs of other programs, no state change. */
  readOnly: boolean;
  /** Working directory when statically known. */
  cwd?: string;
}

export type FindingKind =
  | 'download-exec'
  | 'decode-exec'
  | 'dynamic-command'
  | 'indirect-command'
  | 'eval'
  | 'source-untrusted'
  | 'stdin-shell'
  | 'inline-code'
  | 'parse-error'
  | 'too-deep'
  | 'fork-bomb'
  | 'dynamic-target';

/** Something about the command as a whole that a rule can act on (mostly "cannot be analysed"). */
export interface Finding {
  kind: FindingKind;
  detail: string;
  raw: string;
}

export interface ShellAnalysis {
  source: string;
  commands: SimpleCommand[];
  findings: Finding[];
}
