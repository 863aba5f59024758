// Does one rule name one subject? Pure functions over plain data; the gate combines the answers.
import type { Finding } from './analysis-types.js';
import { pathMatches, pathPatternRegex } from './path-normalise.js';
import type { Rule, Subject } from './rule-types.js';

export function ruleMatchesSubject(rule: Rule, s: Subject): boolean {
  if (rule.pattern) {
    if (s.kind !== 'shell') return false;
    if (rule.skipReadOnly && s.readOnly) return false;
    return rule.pattern(s);
  }
  if (rule.findings.length > 0) return false;
  if (rule.command.length > 0 && (s.kind !== 'shell' || !rule.command.some((c) => nameMatches(s.name, c)))) {
    return false;
  }
  if (rule.tool.length > 0 && !rule.tool.some((t) => nameMatches(s.tool, t))) return false;
  if (rule.effect.length > 0 && !rule.effect.includes(s.effect)) return false;
  if (rule.readOnly !== undefined && rule.readOnly !== s.readOnly) return false;
  if (rule.subcommand.length > 0 && !rule.subcommand.includes(s.args[0] ?? '')) return false;
  if (rule.flagsAll.length > 0 && !rule.flagsAll.every((f) => s.flags.includes(f))) return false;
  if (rule.flagsAny.length > 0 && !rule.flagsAny.some((f) => s.flags.includes(f))) return false;
  if (rule.flagsNone.some((f) => s.flags.includes(f))) return false;
  if (rule.argsAny.length > 0 && !s.args.some((a) => rule.argsAny.some((p) => pathPatternRegex(p).test(a)))) {
    return false;
  }
  if (rule.argsRegex.length > 0 && !s.argv.some((a) => rule.argsRegex.some((re) => re.test(a)))) return false;
  const glob = new Set(s.globArgs);
  const counted = (p: string) => !rule.pathsExcept.some((pat) => pathMatches(p, pat, false));
  const anyPath = (paths: string[], patterns: string[]) =>
    paths.some(
      (p) => counted(p) && patterns.some((pat) => pathMatches(p, pat, glob.has(p) || /[*?[]/.test(p))),
    );
  if (rule.targetsAny.length > 0 && !anyPath(s.targets, rule.targetsAny)) return false;
  if (rule.writesAny.length > 0 && !anyPath(s.writes, rule.writesAny)) return false;
  if (rule.readsAny.length > 0 && !anyPath(s.reads, rule.readsAny)) return false;
  return true;
}

export function ruleMatchesFinding(rule: Rule, f: Finding): boolean {
  return rule.findings.includes(f.kind);
}

function nameMatches(name: string, pattern: string): boolean {
  return pattern === name || (/[*?[]/.test(pattern) && pathPatternRegex(pattern).test(name));
}
