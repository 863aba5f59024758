// The shape of a policy rule once loaded from TOML (see policies/README.md), and of the thing a
// rule is matched against: a "subject" — one normalised shell command, or one non-shell tool call.
import type { Effect, Verdict } from '../types.js';
import type { FindingKind } from './analysis-types.js';

/** Example of a non-shell action in a rule file: `{ tool = "write_file", path = "/etc/shadow" }`. */
export type RuleExample = string | { tool: string; args: Record<string, unknown> };

export interface Rule {
  /** Qualified id shown in decisions: `builtin:mkfs`, `paranoid:read-only`, `user:no-docker`. */
  id: string;
  description: string;
  verdict: Verdict;
  /** A confirm the `trusted` mode may not turn into allow (opaque commands). */
  relaxable: boolean;
  /** Only in these modes (empty = every mode). */
  modes: string[];
  command: string[];
  subcommand: string[];
  flagsAll: string[];
  flagsAny: string[];
  flagsNone: string[];
  argsAny: string[];
  argsRegex: RegExp[];
  targetsAny: string[];
  writesAny: string[];
  readsAny: string[];
  /** Paths that never count for targets_any / writes_any / reads_any (e.g. /dev/null). */
  pathsExcept: string[];
  findings: FindingKind[];
  tool: string[];
  effect: Effect[];
  readOnly?: boolean;
  match: RuleExample[];
  notMatch: RuleExample[];
  /** Where it came from, for error messages. */
  file: string;
  line?: number;
  /** Config patterns carry a compiled matcher instead of criteria. */
  pattern?: PatternMatcher;
  /** A require_confirm pattern does not fire for read-only commands. */
  skipReadOnly?: boolean;
  /** A config pattern that names a pipeline or a list (`curl .* \\| sh`) is also matched against the whole line. */
  lineRegex?: RegExp;
}

export type PatternMatcher = (s: Subject) => boolean;

/** What a rule is matched against. */
export interface Subject {
  kind: 'shell' | 'tool';
  tool: string;
  effect: Effect;
  name: string;
  argv: string[];
  args: string[];
  flags: string[];
  targets: string[];
  writes: string[];
  reads: string[];
  globArgs: string[];
  wrappers: string[];
  readOnly: boolean;
  raw: string;
}

/** Settings of a mode preset ([mode] table of policies/<mode>.toml). */
export interface ModeSettings {
  name: string;
  /** Verdict for subjects no rule names, per effect. */
  read: Verdict;
  write: Verdict;
  exec: Verdict;
  network: Verdict;
  /** Confirm rules (relaxable ones) become allow. */
  relaxConfirm: boolean;
  /** Only subjects an allow rule names may run; everything else is denied. */
  requireAllow: boolean;
}
