// Rule files as data: the shipped ones load and pass their examples; a broken user file is an
// error naming file, line and rule; user rules apply, limited to their modes when they say so.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { UserInputError, ValidationError } from '../../src/errors.js';
import { createGate } from '../../src/policy/create-gate.js';
import { allRules, clearPolicyCache, readPolicies } from '../../src/policy/policy-loader.js';
import { checkExamples } from '../../src/policy/rule-examples.js';
import { parseRuleFile } from '../../src/policy/rule-file.js';
import type { Action } from '../../src/types.js';

const bash = (command: string): Action => ({ tool: 'bash', args: { command }, reason: 'test' });

function userDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aios-policy-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

function loadError(files: Record<string, string>): ValidationError {
  const dir = userDir(files);
  try {
    createGate({ mode: 'normal', policyDirs: [dir], home: '/root' });
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected the rule files to be refused');
}

beforeEach(() => clearPolicyCache());

describe('the shipped rule files', () => {
  it('load, and every example of every rule holds', () => {
    const { loaded, problems } = readPolicies({ home: '/root' });
    expect(problems).toEqual([]);
    const rules = allRules(loaded);
    expect(rules.length).toBeGreaterThan(40);
    expect(rules.every((r) => r.match.length > 0)).toBe(true);
    expect(checkExamples(rules, '/root')).toEqual([]);
    expect(loaded.files.map((f) => path.basename(f))).toEqual([
      'base.toml',
      'safe.toml',
      'normal.toml',
      'paranoid.toml',
      'trusted.toml',
    ]);
  });
});

describe('a broken user rule file', () => {
  it('with a TOML syntax error names the file and line', () => {
    const e = loadError({ 'bad.toml': '[[rule]]\nid = "x"\nverdict = = "deny"\n' });
    const p = e.problems[0];
    expect(p?.location?.file).toMatch(/bad\.toml$/);
    expect(p?.location?.line).toBe(3);
    expect(p?.message).toMatch(/TOML syntax error/);
  });
  it('with a pattern too large for the regex engine is refused naming the file, not thrown', () => {
    const huge = 'a'.repeat(40_000);
    for (const text of [
      `${huge} = 1\n`,
      `[[rule]]\nid = "${huge}"\ndescription = "d"\nverdict = "deny"\ncommand = ["x"]\n`,
    ]) {
      clearPolicyCache();
      const e = loadError({ 'big.toml': text });
      expect(e.problems[0]?.location?.file).toMatch(/big\.toml$/);
      // The parser itself refuses it as bad input (the chaos fuzz calls it directly).
      let thrown: unknown;
      try {
        parseRuleFile('/x/big.toml', text, 'user', '/home/u');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UserInputError);
      expect((thrown as UserInputError).location?.file).toBe('/x/big.toml');
    }
  });
  it('with an unknown key names the file, line, rule and key', () => {
    const e = loadError({
      'k.toml':
        '# mine\n[[rule]]\nid = "no-docker"\ndescription = "d"\nverdict = "deny"\ncommand = ["docker"]\ncommandz = 1\n',
    });
    expect(e.message).toMatch(
      /k\.toml:3 \(rule no-docker: commandz\): rule "no-docker": unknown key "commandz"/,
    );
  });
  it('with a failing example names the file, line and rule', () => {
    const e = loadError({
      'ex.toml': [
        '[[rule]]',
        'id = "first"',
        'description = "d"',
        'verdict = "confirm"',
        'command = ["docker"]',
        'match = ["docker ps"]',
        '',
        '[[rule]]',
        'id = "no-podman"',
        'description = "no podman"',
        'verdict = "deny"',
        'command = ["podman"]',
        'match = ["podman run x"]',
        'not_match = ["sudo podman ps"]',
      ].join('\n'),
    });
    expect(e.problems).toHaveLength(1);
    expect(e.message).toMatch(/ex\.toml:9 \(rule user:no-podman: not_match\)/);
    expect(e.message).toMatch(/"sudo podman ps" should not match but does/);
  });
  it('with a bad verdict, a missing criterion, an unknown finding or a duplicate id is refused', () => {
    const rule = (body: string) => `[[rule]]\nid = "r"\ndescription = "d"\n${body}\n`;
    expect(loadError({ 'a.toml': rule('verdict = "maybe"\ncommand = ["x"]') }).message).toMatch(
      /a\.toml:2 .*"verdict" must be allow, confirm or deny/,
    );
    expect(loadError({ 'b.toml': rule('verdict = "deny"') }).message).toMatch(
      /needs at least one match criterion/,
    );
    expect(loadError({ 'c.toml': rule('verdict = "deny"\nfindings = ["spooky"]') }).message).toMatch(
      /unknown finding "spooky"/,
    );
    expect(
      loadError({
        'd.toml': rule('verdict = "deny"\ncommand = ["x"]'),
        'e.toml': rule('verdict = "deny"\ncommand = ["y"]'),
      }).message,
    ).toMatch(/e\.toml:2 .*also defined in .*d\.toml/);
    expect(loadError({ 'f.toml': '[mode]\nname = "normal"\n' }).message).toMatch(
      /only for the shipped presets/,
    );
  });
  it('collects every problem of every file at once', () => {
    const e = loadError({ 'x.toml': 'nope = 1\n', 'y.toml': '[[rule]]\n' });
    expect(e.problems).toHaveLength(2);
  });
});

describe('the load cache', () => {
  it('re-checks examples when a rule file changes after a passing load', () => {
    const dir = userDir({
      'r.toml':
        '[[rule]]\nid = "r"\ndescription = "d"\nverdict = "deny"\ncommand = ["podman"]\nmatch = ["podman run x"]\n',
    });
    expect(() => createGate({ mode: 'normal', policyDirs: [dir], home: '/root' })).not.toThrow();
    clearPolicyCache();
    writeFileSync(
      path.join(dir, 'r.toml'),
      '[[rule]]\nid = "r"\ndescription = "d"\nverdict = "deny"\ncommand = ["podman"]\nmatch = ["docker run x"]\n',
    );
    expect(() => createGate({ mode: 'normal', policyDirs: [dir], home: '/root' })).toThrow(
      /should match but does not/,
    );
  });
});

describe('user rules', () => {
  it('apply in every mode, and a user deny is final', () => {
    const dir = userDir({
      'site.toml': [
        '[[rule]]',
        'id = "no-docker-prune"',
        'description = "pruning docker loses cached images"',
        'verdict = "deny"',
        'command = ["docker"]',
        'subcommand = ["system"]',
        'args_any = ["prune"]',
        'match = ["docker system prune -af"]',
        'not_match = ["docker ps"]',
      ].join('\n'),
    });
    for (const mode of ['normal', 'trusted']) {
      const g = createGate({ mode, policyDirs: [dir], home: '/root' });
      expect(g.decide(bash('sudo docker system prune -af'), 'exec')).toMatchObject({
        verdict: 'deny',
        rule: 'user:no-docker-prune',
      });
    }
  });
  it('limited to paranoid mode can allow routine commands there', () => {
    const dir = userDir({
      'routine.toml': [
        '[[rule]]',
        'id = "restart-nginx"',
        'description = "restarting nginx is routine"',
        'verdict = "allow"',
        'modes = ["paranoid"]',
        'command = ["systemctl"]',
        'subcommand = ["restart", "reload"]',
        'args_any = ["nginx", "nginx.service"]',
        'match = ["systemctl restart nginx"]',
        'not_match = ["systemctl restart sshd"]',
      ].join('\n'),
    });
    const g = createGate({ mode: 'paranoid', policyDirs: [dir], home: '/root' });
    expect(g.decide(bash('systemctl restart nginx'), 'exec')).toMatchObject({
      verdict: 'confirm',
      rule: 'mode:paranoid',
    });
    expect(g.decide(bash('systemctl restart sshd'), 'exec').verdict).toBe('deny');
    expect(g.rules().some((r) => r.id === 'user:restart-nginx')).toBe(true);
    expect(
      createGate({ mode: 'normal', policyDirs: [dir], home: '/root' })
        .rules()
        .some((r) => r.id === 'user:restart-nginx'),
    ).toBe(false);
  });
  it('an allow rule never lifts a confirm or a deny', () => {
    const dir = userDir({
      'lax.toml': [
        '[[rule]]',
        'id = "reboot-ok"',
        'description = "we reboot freely"',
        'verdict = "allow"',
        'command = ["reboot", "mkfs.ext4"]',
        'match = ["reboot"]',
      ].join('\n'),
    });
    const g = createGate({ mode: 'normal', policyDirs: [dir], home: '/root' });
    expect(g.decide(bash('reboot'), 'exec').verdict).toBe('confirm');
    expect(g.decide(bash('mkfs.ext4 /dev/sdb'), 'exec').verdict).toBe('deny');
  });
  it('a missing policy directory is not an error', () => {
    expect(() =>
      createGate({ mode: 'normal', policyDirs: ['/nonexistent/aios/policies'], home: '/root' }),
    ).not.toThrow();
  });
});
