// The corpora decide the gate's worth: every destructive line denied, no obfuscated line allowed,
// no everyday line blocked in normal mode — and a deny stays a deny in every mode.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createGate } from '../../src/policy/create-gate.js';
import { corpus } from './corpus-helpers.js';

const destructive = corpus('destructive.txt');
const obfuscated = corpus('obfuscated.txt');
const everyday = corpus('everyday.txt');
const gates = {
  safe: createGate({ mode: 'safe', home: '/root' }),
  normal: createGate({ mode: 'normal', home: '/root' }),
  paranoid: createGate({ mode: 'paranoid', home: '/root' }),
  trusted: createGate({ mode: 'trusted', home: '/root' }),
};

function verdicts(mode: keyof typeof gates, lines: string[]) {
  return lines.map((line) => {
    const d = gates[mode].checkShell(line).decision;
    return { line, verdict: d.verdict, rule: d.rule };
  });
}

describe('the corpora are big enough to mean something', () => {
  it('holds hundreds of destructive lines, dozens of obfuscated ones and over a hundred everyday ones', () => {
    expect(destructive.length).toBeGreaterThanOrEqual(300);
    expect(obfuscated.length).toBeGreaterThanOrEqual(60);
    expect(everyday.length).toBeGreaterThanOrEqual(100);
  });
});

describe('destructive commands', () => {
  for (const mode of ['normal', 'safe', 'paranoid', 'trusted'] as const) {
    it(`are all denied in ${mode} mode`, () => {
      const notDenied = verdicts(mode, destructive).filter((v) => v.verdict !== 'deny');
      expect(notDenied).toEqual([]);
    });
  }
});

describe('obfuscated or unanalysable commands', () => {
  for (const mode of ['normal', 'safe', 'trusted'] as const) {
    it(`are never allowed in ${mode} mode`, () => {
      const allowed = verdicts(mode, obfuscated).filter((v) => v.verdict === 'allow');
      expect(allowed).toEqual([]);
    });
  }
  it('are all denied in paranoid mode', () => {
    const notDenied = verdicts('paranoid', obfuscated).filter((v) => v.verdict !== 'deny');
    expect(notDenied).toEqual([]);
  });
});

describe('everyday admin commands', () => {
  it('are all allowed in normal mode', () => {
    const blocked = verdicts('normal', everyday).filter((v) => v.verdict !== 'allow');
    expect(blocked).toEqual([]);
  });
  it('are all allowed in trusted mode', () => {
    const blocked = verdicts('trusted', everyday).filter((v) => v.verdict !== 'allow');
    expect(blocked).toEqual([]);
  });
  it('are never denied in safe mode: reads run, the rest asks', () => {
    const v = verdicts('safe', everyday);
    expect(v.filter((x) => x.verdict === 'deny')).toEqual([]);
    expect(v.find((x) => x.line === 'ls -la /etc')?.verdict).toBe('allow');
    expect(v.find((x) => x.line === 'systemctl restart nginx')).toMatchObject({
      verdict: 'confirm',
      rule: 'mode:safe',
    });
  });
  it('in paranoid mode run only when read-only, and otherwise are denied by the mode', () => {
    const v = verdicts('paranoid', everyday);
    expect(v.find((x) => x.line === 'cat /etc/os-release')).toMatchObject({
      verdict: 'allow',
      rule: 'paranoid:read-only-commands',
    });
    expect(v.find((x) => x.line === 'apt-get install -y curl')).toMatchObject({
      verdict: 'deny',
      rule: 'mode:paranoid',
    });
    expect(v.filter((x) => x.verdict === 'confirm')).toEqual([]);
  });
});

describe('every decision names its rule', () => {
  it('for every corpus line in every mode', () => {
    for (const mode of Object.keys(gates) as (keyof typeof gates)[]) {
      for (const v of verdicts(mode, [...destructive, ...obfuscated, ...everyday])) {
        expect(v.rule).toMatch(/^(builtin|mode|config|user|safe|normal|paranoid|trusted):[\w.[\]-]+$/);
      }
    }
  });
});

describe('multi-line scripts (heredocs, loops)', () => {
  const cases = JSON.parse(readFileSync(new URL('./corpus/multiline.json', import.meta.url), 'utf8')) as {
    command: string;
    expect: 'allow' | 'deny' | 'confirm-or-deny';
  }[];
  it('get the expected verdict in normal mode', () => {
    const got = cases.map((c) => ({
      command: c.command,
      verdict: gates.normal.checkShell(c.command).decision.verdict,
    }));
    const want = cases.map((c) => ({
      command: c.command,
      verdict:
        c.expect === 'confirm-or-deny'
          ? got.find((g) => g.command === c.command)?.verdict === 'deny'
            ? 'deny'
            : 'confirm'
          : c.expect,
    }));
    expect(got).toEqual(want);
  });
});
