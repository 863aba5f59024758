// The config's [security] dangerous_patterns (deny) and require_confirm (confirm) as rules.
// A pattern matches a normalised simple command when EITHER
//  - it is a plain command (no regex characters, e.g. "rm -rf /"): same command name (or a
//    wrapper's name), the pattern's flags are a subset of the command's canonical flags and each of
//    its operands is among the command's (so "rm -rf /" also catches `rm -fr /`, `sudo rm -r -f //`);
//  - or, as a regular expression, it matches the WHOLE of one of these strings: the command as
//    `name args...` with quotes removed, or the same prefixed by its wrapper chain, in full
//    ("sudo -u root systemctl restart x") or by wrapper names ("sudo systemctl restart x").
// A pattern that is not a valid regex is matched as literal text. require_confirm patterns do
// not fire for read-only commands (`systemctl status` under "systemctl.*"). See docs/decisions/031.
import type { ShellAnalysis } from './analysis-types.js';
import { resolvePath } from './path-normalise.js';
import type { PatternMatcher, Rule, Subject } from './rule-types.js';
import { analyzeShell } from './shell-analysis.js';

export function patternRules(dangerous: readonly string[], confirm: readonly string[]): Rule[] {
  return [
    ...dangerous.map((p, i) => patternRule(p, `config:dangerous_patterns[${i}]`, 'deny')),
    ...confirm.map((p, i) => patternRule(p, `config:require_confirm[${i}]`, 'confirm')),
  ];
}

function patternRule(pattern: string, id: string, verdict: 'deny' | 'confirm'): Rule {
  return {
    id,
    description: `${verdict === 'deny' ? 'dangerous pattern' : 'needs confirmation'} from the config: "${pattern}"`,
    verdict,
    relaxable: true,
    modes: [],
    command: [],
    subcommand: [],
    flagsAll: [],
    flagsAny: [],
    flagsNone: [],
    argsAny: [],
    argsRegex: [],
    targetsAny: [],
    writesAny: [],
    readsAny: [],
    pathsExcept: [],
    findings: [],
    tool: [],
    effect: [],
    match: [],
    notMatch: [],
    file: 'config [security]',
    pattern: compilePattern(pattern),
    skipReadOnly: verdict === 'confirm',
    ...lineRegexOf(pattern),
  };
}

/**
 * Patterns that spell shell operators (`\\|`, ` | `, `;`, `&&`, `||`) describe a whole line, which no
 * single simple command can match: they are also matched (whole-string, as a regex) against the
 * command line with runs of blanks collapsed.
 */
function lineRegexOf(pattern: string): { lineRegex?: RegExp } {
  const text = pattern.trim().replace(/\s+/g, ' ');
  if (!/\\\||\s\|\s|;|&&|\|\|/.test(text)) return {};
  try {
    return { lineRegex: new RegExp(`^(?:${text})$`) };
  } catch {
    return { lineRegex: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) };
  }
}

export function compilePattern(pattern: string): PatternMatcher {
  const text = pattern.trim().replace(/\s+/g, ' ');
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${text})$`);
  } catch {
    re = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  }
  const structural = /[*+?[\](){}|^$\\]/.test(text) ? undefined : structuralOf(text);
  return (s: Subject) => {
    if (structural && structuralMatch(structural, s)) return true;
    return candidates(s).some((c) => re.test(c));
  };
}

interface Structural {
  name: string;
  flags: string[];
  args: string[];
}

function structuralOf(text: string): Structural | undefined {
  let a: ShellAnalysis;
  try {
    a = analyzeShell(text);
  } catch {
    return undefined;
  }
  const c = a.commands[0];
  if (a.commands.length !== 1 || a.findings.length > 0 || !c) return undefined;
  return { name: c.name, flags: c.flags, args: c.args.map(normArg) };
}

function structuralMatch(p: Structural, s: Subject): boolean {
  if (p.name !== s.name) {
    const wrapperNames = s.wrappers.map((w) => w.split(' ')[0]);
    return p.flags.length === 0 && p.args.length === 0 && wrapperNames.includes(p.name);
  }
  if (!p.flags.every((f) => s.flags.includes(f))) return false;
  const args = s.args.map(normArg);
  return p.args.every((a) => args.includes(a));
}

function normArg(a: string): string {
  return a.startsWith('/') ? resolvePath(a, undefined) : a;
}

function candidates(s: Subject): string[] {
  const plain = [s.name, ...s.argv].join(' ').replace(/\s+/g, ' ').trim();
  const out = [plain];
  for (let k = 0; k < s.wrappers.length; k++) {
    const chain = s.wrappers.slice(k);
    out.push(`${chain.join(' ')} ${plain}`);
    out.push(`${chain.map((w) => w.split(' ')[0]).join(' ')} ${plain}`);
  }
  return out;
}
