// Does one rule name one subject? Each rule is compiled once into a predicate (patterns turned
// into RegExps, cheapest and most selective checks first): the gate runs these thousands of times
// a second. Pure functions over plain data; the gate combines the answers.
import type { Finding } from './analysis-types.js';
import { pathMatchesCompiled, pathPatternRegex } from './path-normalise.js';
import type { Rule, Subject } from './rule-types.js';

type Test = (s: Subject) => boolean;
const compiled = new WeakMap<Rule, Test>();

export function ruleMatchesSubject(rule: Rule, s: Subject): boolean {
  let test = compiled.get(rule);
  if (!test) {
    test = compileRule(rule);
    compiled.set(rule, test);
  }
  return test(s);
}

export function ruleMatchesFinding(rule: Rule, f: Finding): boolean {
  return rule.findings.includes(f.kind);
}

const GLOB_CHARS = /[*?[]/;

function compileRule(rule: Rule): Test {
  const pattern = rule.pattern;
  if (pattern) return (s) => s.kind === 'shell' && !(rule.skipReadOnly && s.readOnly) && pattern(s);
  if (rule.findings.length > 0) return () => false;
  const checks: Test[] = [];
  if (rule.command.length > 0) {
    const names = nameTest(rule.command);
    checks.push((s) => s.kind === 'shell' && names(s.name));
  }
  if (rule.tool.length > 0) {
    const tools = nameTest(rule.tool);
    checks.push((s) => tools(s.tool));
  }
  if (rule.effect.length > 0) checks.push((s) => rule.effect.includes(s.effect));
  if (rule.readOnly !== undefined) checks.push((s) => s.readOnly === rule.readOnly);
  if (rule.subcommand.length > 0) checks.push((s) => rule.subcommand.includes(s.args[0] ?? ''));
  if (rule.flagsAll.length > 0) checks.push((s) => rule.flagsAll.every((f) => s.flags.includes(f)));
  if (rule.flagsAny.length > 0) checks.push((s) => rule.flagsAny.some((f) => s.flags.includes(f)));
  if (rule.flagsNone.length > 0) checks.push((s) => !rule.flagsNone.some((f) => s.flags.includes(f)));
  if (rule.argsAny.length > 0) {
    const pats = rule.argsAny.map((p) => ({ text: p, re: pathPatternRegex(p) }));
    // An operand the shell or the tool would expand (`'libc6*'`) matches if it could name the pattern.
    checks.push((s) =>
      s.args.some((a) => {
        const glob = GLOB_CHARS.test(a);
        return pats.some((p) => pathMatchesCompiled(a, p.text, p.re, glob));
      }),
    );
  }
  if (rule.argsRegex.length > 0)
    checks.push((s) => s.argv.some((a) => rule.argsRegex.some((re) => re.test(a))));
  const except = anyOf(rule.pathsExcept.map(pathPatternRegex));
  const paths = (patterns: string[], pick: (s: Subject) => string[]) => {
    const pats = patterns.map((p) => ({ text: p, re: pathPatternRegex(p) }));
    const any = anyOf(pats.map((p) => p.re));
    checks.push((s) => {
      const list = pick(s);
      if (list.length === 0) return false;
      return list.some((p) => {
        if (except?.test(p)) return false;
        // A plain path matches when one pattern's RegExp does: one alternation tests them all.
        if (!GLOB_CHARS.test(p)) return any?.test(p) === true;
        return pats.some((pat) => pathMatchesCompiled(p, pat.text, pat.re, true));
      });
    });
  };
  if (rule.targetsAny.length > 0) paths(rule.targetsAny, (s) => s.targets);
  if (rule.writesAny.length > 0) paths(rule.writesAny, (s) => s.writes);
  if (rule.readsAny.length > 0) paths(rule.readsAny, (s) => s.reads);
  return (s) => {
    for (const c of checks) if (!c(s)) return false;
    return true;
  };
}

/**
 * One RegExp that matches what any of `res` matches. Each is `^…$` from pathPatternRegex, whose
 * body has no top-level alternation (a `|` is escaped or inside a class), so the bodies can be
 * joined as alternatives; the gate then runs one match per path instead of one per pattern.
 */
function anyOf(res: RegExp[]): RegExp | undefined {
  if (res.length === 0) return undefined;
  if (res.length === 1) return res[0];
  return new RegExp(`^(?:${res.map((re) => re.source.slice(1, -1)).join('|')})$`);
}

function nameTest(patterns: string[]): (name: string) => boolean {
  const exact = new Set(patterns.filter((p) => !GLOB_CHARS.test(p)));
  const globs = patterns.filter((p) => GLOB_CHARS.test(p)).map(pathPatternRegex);
  if (globs.length === 0) return (n) => exact.has(n);
  return (n) => exact.has(n) || globs.some((re) => re.test(n));
}
