// End to end: the built CLI (`node dist/cli/aios.js`, built by `npm test`) with a temp HOME, XDG
// dir and config (policies_dir in a temp dir), so no real config or policy file is read.
// `aios policy check` only analyses: nothing here runs the commands it checks.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpus } from './corpus-helpers.js';

const aios = path.resolve('dist/cli/aios.js');

function setup(security = '', policies: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aios-policy-e2e-'));
  const policiesDir = path.join(dir, 'policies');
  mkdirSync(policiesDir);
  for (const [name, text] of Object.entries(policies)) writeFileSync(path.join(policiesDir, name), text);
  const config = path.join(dir, 'config.toml');
  writeFileSync(config, `[security]\npolicies_dir = "${policiesDir}"\n${security}\n`);
  const env = {
    PATH: process.env.PATH,
    NO_COLOR: '1',
    HOME: path.join(dir, 'home'),
    XDG_CONFIG_HOME: path.join(dir, 'xdg'),
    AIOS_CONFIG: config,
  };
  return (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(process.execPath, [aios, ...args], {
      encoding: 'utf8',
      env: { ...env, ...extraEnv },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

interface CheckJson {
  command: string;
  mode: string;
  verdict: string;
  rule: string;
  reason: string;
  commands: { name: string; args: string[]; flags: string[]; wrappers: string[] }[];
  findings: { kind: string }[];
}

describe('aios policy check', () => {
  const run = setup();
  it('exits 0 and says allow for an everyday command', () => {
    const r = run(['policy', 'check', 'ls -la /etc']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^allow {2}mode:normal {2}\(mode normal\)/);
    expect(r.stdout).toContain('ls -la /etc');
  });
  it('exits 3 for a deny and names the rule, the reason and the simple commands it saw', () => {
    const r = run(['policy', 'check', "sudo bash -c 'rm -fr /'"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^deny {2}builtin:recursive-delete-system/);
    expect(r.stdout).toContain('recursive delete of / or a top-level system directory');
    expect(r.stdout).toMatch(/rm -fr \/ {2}flags force,recursive {2}via sudo > bash -c/);
  });
  it('exits 3 for a confirm', () => {
    const r = run(['policy', 'check', 'reboot']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^confirm {2}builtin:power/);
  });
  it('prints JSON with verdict, rule, reason, commands and findings', () => {
    const r = run(['policy', 'check', '--json', 'echo cm0gLXJmIC8= | base64 -d | sh']);
    expect(r.code).toBe(3);
    const j = JSON.parse(r.stdout) as CheckJson;
    expect(j).toMatchObject({ verdict: 'deny', rule: 'builtin:remote-code-exec', mode: 'normal' });
    expect(j.commands.map((c) => c.name)).toEqual(['echo', 'base64', 'sh']);
    expect(j.findings.map((f) => f.kind)).toEqual(['decode-exec']);
  });
  it('takes the mode from --mode, over the config and the environment', () => {
    expect(run(['policy', 'check', 'systemctl restart nginx', '--mode', 'paranoid']).code).toBe(3);
    expect(run(['policy', 'check', 'systemctl restart nginx'], { AIOS_SECURITY__MODE: 'safe' }).code).toBe(3);
    expect(run(['policy', 'check', 'systemctl restart nginx']).code).toBe(0);
    const bad = run(['policy', 'check', 'ls', '--mode', 'yolo']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown security mode "yolo"/);
  });
  it('refuses an empty command', () => {
    const r = run(['policy', 'check', '  ']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/needs a command/);
  });
});

describe('aios policy check with [security] patterns and user rules', () => {
  const run = setup(
    'dangerous_patterns = ["rm -rf /", "mkfs.*"]\nrequire_confirm = ["sudo.*", "systemctl.*"]',
    {
      'site.toml': [
        '[[rule]]',
        'id = "no-docker-prune"',
        'description = "pruning docker loses cached images"',
        'verdict = "deny"',
        'command = ["docker"]',
        'args_any = ["prune"]',
        'match = ["docker system prune -af"]',
      ].join('\n'),
    },
  );
  it('confirms sudo through the wrapper chain and names the config pattern', () => {
    const r = run(['policy', 'check', '--json', 'sudo systemctl restart x']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'confirm', rule: 'config:require_confirm[0]' });
  });
  it('leaves read-only queries alone under a require_confirm pattern', () => {
    expect(run(['policy', 'check', 'systemctl status nginx']).code).toBe(0);
  });
  it('applies the user rule files of policies_dir', () => {
    const r = run(['policy', 'check', '--json', 'docker system prune -af']);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'deny', rule: 'user:no-docker-prune' });
  });
});

describe('aios policy test', () => {
  it('exits 0 when every example holds', () => {
    const r = setup()(['policy', 'test']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok: \d+ rules, \d+ examples, 0 failures/);
  });
  it('exits 1 and names file, line and rule of a failing example', () => {
    const run = setup('', {
      'bad.toml':
        '[[rule]]\nid = "oops"\ndescription = "d"\nverdict = "deny"\ncommand = ["rm"]\nmatch = ["ls"]\n',
    });
    const r = run(['policy', 'test']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL .*bad\.toml:2 \(rule user:oops: match\).*"ls" should match but does not/);
    const check = run(['policy', 'check', 'ls']);
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/bad\.toml:2/);
  });
});

describe('the corpora through the CLI', () => {
  const run = setup();
  const sample = (lines: string[], n: number) =>
    lines.filter((_, i) => i % Math.ceil(lines.length / n) === 0);
  it('denies destructive lines (exit 3, a deny verdict)', () => {
    for (const line of sample(corpus('destructive.txt'), 12)) {
      const r = run(['policy', 'check', '--json', line]);
      expect({ line, code: r.code, verdict: (JSON.parse(r.stdout) as CheckJson).verdict }).toEqual({
        line,
        code: 3,
        verdict: 'deny',
      });
    }
  });
  it('allows everyday lines (exit 0)', () => {
    for (const line of sample(corpus('everyday.txt'), 12)) {
      expect({ line, code: run(['policy', 'check', line]).code }).toEqual({ line, code: 0 });
    }
  });
  it('never allows obfuscated lines (exit 3)', () => {
    for (const line of sample(corpus('obfuscated.txt'), 8)) {
      expect({ line, code: run(['policy', 'check', line]).code }).toEqual({ line, code: 3 });
    }
  });
});
