// Checks each rule's `match` / `not_match` examples against that rule alone (mode-independent),
// so a rule that does not do what its own examples say is a load error, not a silent hole.
import { UserInputError } from '../errors.js';
import type { Effect } from '../types.js';
import { ruleMatchesFinding, ruleMatchesSubject } from './rule-match.js';
import type { Rule, RuleExample } from './rule-types.js';
import { analyzeShell } from './shell-analysis.js';
import { shellSubject, toolSubject } from './subjects.js';

const TOOL_EFFECTS: Record<string, Effect> = {
  bash: 'exec',
  read_file: 'read',
  list_dir: 'read',
  stat: 'read',
};

export function defaultEffect(tool: string): Effect {
  return TOOL_EFFECTS[tool] ?? 'write';
}

/** Does `rule` fire on `example`? */
export function ruleFiresOn(rule: Rule, example: RuleExample, home: string): boolean {
  if (typeof example === 'string') {
    const a = analyzeShell(example, { home });
    return (
      a.findings.some((f) => ruleMatchesFinding(rule, f)) ||
      a.commands.some((c) => ruleMatchesSubject(rule, shellSubject(c)))
    );
  }
  return ruleMatchesSubject(rule, toolSubject(example.tool, example.args, defaultEffect(example.tool)));
}

export interface ExampleFailure {
  rule: Rule;
  example: RuleExample;
  expected: 'match' | 'not_match';
  /** Set when checking the example threw (a path in it too large for the regex engine). */
  error?: string;
}

export function checkExamples(rules: readonly Rule[], home: string): ExampleFailure[] {
  const failures: ExampleFailure[] = [];
  const fires = (rule: Rule, ex: RuleExample, expected: ExampleFailure['expected']): boolean | undefined => {
    try {
      return ruleFiresOn(rule, ex, home);
    } catch (error) {
      failures.push({ rule, example: ex, expected, error: (error as Error).message.slice(-160) });
      return undefined;
    }
  };
  for (const rule of rules) {
    for (const ex of rule.match)
      if (fires(rule, ex, 'match') === false) failures.push({ rule, example: ex, expected: 'match' });
    for (const ex of rule.notMatch)
      if (fires(rule, ex, 'not_match') === true) failures.push({ rule, example: ex, expected: 'not_match' });
  }
  return failures;
}

export function describeExample(ex: RuleExample): string {
  return typeof ex === 'string' ? ex : `${ex.tool} ${JSON.stringify(ex.args)}`;
}

export function exampleError(f: ExampleFailure): UserInputError {
  const what = f.error
    ? `cannot be checked: ${f.error}`
    : f.expected === 'match'
      ? 'should match but does not'
      : 'should not match but does';
  return new UserInputError(
    `rule "${f.rule.id}": example ${JSON.stringify(describeExample(f.example))} ${what}`,
    {
      file: f.rule.file,
      ...(f.rule.line !== undefined ? { line: f.rule.line } : {}),
      key: `rule ${f.rule.id}: ${f.expected}`,
    },
  );
}
