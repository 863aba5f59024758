// The policy gate: one synchronous Decision per Action, naming the rule that made it.
// Order of authority: a deny from any rule is final; then confirms (the `trusted` mode relaxes
// the relaxable ones); then the mode's default for what no rule objected to (`safe` confirms
// writes/execs, `paranoid` denies whatever no allow rule names and confirms allowed writes).
// Strictest verdict wins across all the simple commands of a shell line. It never throws:
// malformed input is a deny. It records nothing (the caller audits).
import { UserInputError } from '../errors.js';
import type { Action, Decision, Effect, Verdict } from '../types.js';
import type { Finding, ShellAnalysis } from './analysis-types.js';
import { patternRules } from './config-patterns.js';
import type { PolicyGate } from './gate-types.js';
import { pathPatternRegex } from './path-normalise.js';
import { type LoadedPolicies, loadPolicies, MODES } from './policy-loader.js';
import { ruleMatchesFinding, ruleMatchesSubject } from './rule-match.js';
import type { ModeSettings, Rule, Subject } from './rule-types.js';
import { type AnalyzeOptions, analyzeShell } from './shell-analysis.js';
import { shellSubject, toolSubject } from './subjects.js';

export interface GateOptions {
  mode: string;
  dangerousPatterns?: readonly string[];
  requireConfirm?: readonly string[];
  /** Directories of user rule files (`*.toml`); missing ones are skipped. */
  policyDirs?: readonly string[];
  /** The `--root` the actions run against (default /): symlinks may not climb out of it. */
  root?: string;
  /** What `~` and $HOME mean in commands and rule paths (default /root). */
  home?: string;
  /** Override the shipped policies/ directory (tests). */
  builtinDir?: string;
}

export interface ShellCheck {
  decision: Decision;
  analysis: ShellAnalysis;
}

export interface Gate extends PolicyGate {
  readonly mode: string;
  /** Decide a shell command line and return what the analyser saw (for `aios policy check`). */
  checkShell(command: string, cwd?: string): ShellCheck;
  /** Every rule active in this mode, in evaluation order. */
  rules(): Rule[];
}

const RANK: Record<Verdict, number> = { allow: 0, confirm: 1, deny: 2 };
const EFFECT_WEIGHT: Record<Effect, number> = { read: 0, network: 1, write: 2, exec: 2 };

export function createGate(opts: GateOptions): Gate {
  if (!(MODES as readonly string[]).includes(opts.mode)) {
    throw new UserInputError(`unknown security mode "${opts.mode}" (one of ${MODES.join(', ')})`, {
      file: 'config',
      key: 'security.mode',
    });
  }
  const home = opts.home ?? '/root';
  const loaded: LoadedPolicies = loadPolicies({
    dirs: opts.policyDirs ?? [],
    home,
    ...(opts.builtinDir ? { builtinDir: opts.builtinDir } : {}),
  });
  const preset = loaded.presets.get(opts.mode);
  if (!preset) throw new UserInputError(`no preset for mode "${opts.mode}"`);
  const mode = preset.mode;
  const inMode = (r: Rule) => r.modes.length === 0 || r.modes.includes(mode.name);
  const active: Rule[] = [
    ...loaded.base.filter(inMode),
    ...patternRules(opts.dangerousPatterns ?? [], opts.requireConfirm ?? []),
    ...loaded.user.filter(inMode),
    ...preset.rules,
  ];
  const findingRules = active.filter((r) => r.findings.length > 0);
  const subjectRules = active.filter((r) => r.findings.length === 0);
  const rulesFor = ruleIndex(subjectRules);
  const lineRules = active.filter((r) => r.lineRegex);
  const root = opts.root ?? '/';
  const analyzeOpts = (cwd?: string): AnalyzeOptions => ({ home, ...(cwd ? { cwd } : {}) });

  const evaluate = (subjects: Subject[], findings: Finding[]): Decision => {
    let best: Decision | undefined;
    let bestWeight = -1;
    // Strictest wins; among allows, name the weightiest subject (an exec over a read) in the reason.
    const offer = (d: Decision, weight = 3) => {
      if (
        !best ||
        RANK[d.verdict] > RANK[best.verdict] ||
        (d.verdict === best.verdict && weight > bestWeight && d.verdict === 'allow')
      ) {
        best = d;
        bestWeight = weight;
      }
    };
    for (const f of findings) {
      for (const r of findingRules) {
        if (!ruleMatchesFinding(r, f) || r.verdict === 'allow') continue;
        if (r.verdict === 'confirm' && mode.relaxConfirm && r.relaxable) continue;
        offer({ verdict: r.verdict, rule: r.id, reason: `${r.description}: ${f.detail}` });
        if (r.verdict === 'deny') return best as Decision;
      }
    }
    for (const s of subjects) {
      let allowRule: Rule | undefined;
      for (const r of rulesFor(s)) {
        if (!ruleMatchesSubject(r, s)) continue;
        if (r.verdict === 'deny')
          return { verdict: 'deny', rule: r.id, reason: `${r.description}: ${s.raw}` };
        if (r.verdict === 'allow') {
          allowRule ??= r;
          continue;
        }
        if (mode.relaxConfirm && r.relaxable) continue;
        offer({ verdict: 'confirm', rule: r.id, reason: `${r.description}: ${s.raw}` });
      }
      offer(modeDefault(mode, s, allowRule), EFFECT_WEIGHT[s.effect]);
    }
    return best ?? { verdict: 'allow', rule: `mode:${mode.name}`, reason: 'nothing to run' };
  };

  const checkShell = (command: string, cwd?: string): ShellCheck => {
    try {
      const analysis = analyzeShell(command, analyzeOpts(cwd));
      const decisions = [evaluate(analysis.commands.map(shellSubject), analysis.findings)];
      const line = command.trim().replace(/\s+/g, ' ');
      for (const r of lineRules) {
        if (r.lineRegex?.test(line) && !(r.verdict === 'confirm' && mode.relaxConfirm)) {
          decisions.push({ verdict: r.verdict, rule: r.id, reason: `${r.description}: ${command}` });
        }
      }
      return { analysis, decision: strictest(decisions) };
    } catch (error) {
      // A parser or analyser failure (e.g. a stack overflow on hostile input) fails closed.
      return {
        analysis: { source: command, commands: [], findings: [] },
        decision: {
          verdict: 'deny',
          rule: 'builtin:gate-error',
          reason: `the gate could not analyse this: ${String(error)}`,
        },
      };
    }
  };

  const decideTool = (action: Action, effect: Effect): Decision => {
    const args = action.args;
    if (typeof args.path === 'string' || args.path !== undefined) {
      const bad = badPath(args.path);
      if (bad)
        return { verdict: 'deny', rule: 'builtin:path-escapes-root', reason: `${action.tool}: ${bad}` };
    }
    if (
      action.tool === 'symlink' &&
      typeof args.target === 'string' &&
      typeof args.path === 'string' &&
      root !== '/'
    ) {
      if (climbsOut(args.path, args.target)) {
        return {
          verdict: 'deny',
          rule: 'builtin:path-escapes-root',
          reason: `symlink target ${args.target} climbs out of the root ${root}`,
        };
      }
    }
    const decisions = [evaluate([toolSubject(action.tool, args, effect)], [])];
    if (action.tool === 'write_file' && typeof args.validate === 'string' && typeof args.path === 'string') {
      decisions.push(checkShell(args.validate.split('%s').join(args.path)).decision);
    }
    return strictest(decisions);
  };

  return {
    mode: mode.name,
    rules: () => [...active],
    checkShell,
    decide(action: Action, effect: Effect): Decision {
      try {
        if (
          !action ||
          typeof action.tool !== 'string' ||
          typeof action.args !== 'object' ||
          action.args === null
        ) {
          return {
            verdict: 'deny',
            rule: 'builtin:bad-action',
            reason: 'an action needs a tool name and an args object',
          };
        }
        if (action.tool === 'bash') {
          const command = action.args.command;
          if (typeof command !== 'string' || command.trim() === '') {
            return {
              verdict: 'deny',
              rule: 'builtin:bad-action',
              reason: 'bash needs a non-empty command string',
            };
          }
          const cwd =
            typeof action.args.cwd === 'string' && action.args.cwd.startsWith('/')
              ? action.args.cwd
              : undefined;
          return checkShell(command, cwd).decision;
        }
        return decideTool(action, effect);
      } catch (error) {
        return {
          verdict: 'deny',
          rule: 'builtin:gate-error',
          reason: `the gate could not decide: ${String(error)}`,
        };
      }
    },
  };
}

/** Analyse a command line without deciding (for `aios policy check` output and tests). */
export function analyze(command: string, opts: AnalyzeOptions = {}): ShellAnalysis {
  return analyzeShell(command, opts);
}

/**
 * The rules that can possibly name a subject, in evaluation order: a command rule only for its
 * command names, a tool rule only for its tools. Computed once per command name (the gate's hot path).
 */
function ruleIndex(rules: Rule[]): (s: Subject) => Rule[] {
  const glob = /[*?[]/;
  const matchesName = (name: string, list: string[]) =>
    list.some((p) => p === name || (glob.test(p) && pathPatternRegex(p).test(name)));
  const forTools = rules.filter((r) => !r.pattern && r.command.length === 0);
  const byTool = new Map<string, Rule[]>();
  const byName = new Map<string, Rule[]>();
  return (s) => {
    if (s.kind === 'tool') {
      let list = byTool.get(s.tool);
      if (!list) {
        list = forTools.filter((r) => r.tool.length === 0 || matchesName(s.tool, r.tool));
        byTool.set(s.tool, list);
      }
      return list;
    }
    let list = byName.get(s.name);
    if (!list) {
      list = rules.filter((r) =>
        r.pattern
          ? true
          : r.command.length > 0
            ? matchesName(s.name, r.command)
            : r.tool.length === 0 || matchesName('bash', r.tool),
      );
      if (byName.size > 10_000) byName.clear();
      byName.set(s.name, list);
    }
    return list;
  };
}

function modeDefault(mode: ModeSettings, s: Subject, allowRule: Rule | undefined): Decision {
  const what = s.kind === 'shell' ? s.raw : s.raw || s.tool;
  if (mode.requireAllow && !allowRule) {
    return {
      verdict: 'deny',
      rule: `mode:${mode.name}`,
      reason: `no allow rule names this in ${mode.name} mode: ${what}`,
    };
  }
  const verdict = mode[s.effect];
  if (allowRule && verdict === 'allow')
    return { verdict, rule: allowRule.id, reason: `${allowRule.description}: ${what}` };
  const reason =
    verdict === 'allow'
      ? `no rule objects; ${mode.name} mode allows ${s.effect} actions: ${what}`
      : `${mode.name} mode asks before ${s.effect} actions${allowRule ? ` (allowed by ${allowRule.id})` : ''}: ${what}`;
  return { verdict, rule: `mode:${mode.name}`, reason };
}

function strictest(list: Decision[]): Decision {
  let best = list[0] as Decision;
  for (const d of list) if (RANK[d.verdict] > RANK[best.verdict]) best = d;
  return best;
}

function badPath(p: unknown): string | undefined {
  if (typeof p !== 'string') return 'path must be a string';
  if (!p.startsWith('/')) return `path must be absolute: ${p}`;
  if (p.includes('\0')) return 'path contains a NUL byte';
  if (p.split('/').includes('..')) return `path has ".." segments: ${p}`;
  return undefined;
}

/** Does a relative symlink target climb above the root from the link's directory? */
function climbsOut(linkPath: string, target: string): boolean {
  if (target.startsWith('/')) return false;
  let depth = linkPath.split('/').filter(Boolean).length - 1;
  for (const seg of target.split('/')) {
    if (seg === '..') depth--;
    else if (seg !== '' && seg !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}
