import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandGuard, ObserveContext } from '../../../controllers/controller.js';
import { INTENT_TOOL, intentController } from '../../../controllers/intent-controller.js';
import { type IntentSpec, intentSchema } from '../../../controllers/intent-schema.js';
import { CHECK_OUTPUT_MAX } from '../../../src/host/check-run.js';
import { type ProcessRunner, spawnRunner } from '../../../src/host/process-runner.js';
import { RootPath } from '../../../src/host/root-path.js';
import { probeSandbox } from '../../../src/host/sandbox.js';
import { createGate } from '../../../src/policy/create-gate.js';
import type { Action, Decision } from '../../../src/types.js';

let base: string;
let root: string;

beforeEach(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'aios-intent-ctl-'));
  root = path.join(base, 'root');
  await fs.mkdir(path.join(root, 'etc'), { recursive: true });
});
afterEach(() => fs.rm(base, { recursive: true, force: true }));

const spec = (over: Record<string, unknown> = {}): IntentSpec =>
  intentSchema.parse({ name: 'greeting', goal: 'say hello', check: 'grep -q hello etc/greeting', ...over });

const normalGate = (): CommandGuard => {
  const gate = createGate({ mode: 'normal', root, home: os.homedir() });
  return { decide: async (a, e) => gate.decide(a, e), sandbox: false };
};

const ctx = (guard: CommandGuard | undefined, runner: ProcessRunner = spawnRunner): ObserveContext => ({
  root: new RootPath(root),
  runner,
  specDir: base,
  ...(guard ? { guard } : {}),
});

/** A runner that records every command and runs it for real. */
function recording(): { runner: ProcessRunner; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    runner: (cmd, opts) => {
      calls.push(cmd);
      return spawnRunner(cmd, opts);
    },
  };
}

describe('intent spec', () => {
  it('defaults max_attempts to 3 and the check timeout to 60 seconds', () => {
    const s = spec();
    expect(s.max_attempts).toBe(3);
    expect(s.timeout).toBe(60);
    expect(s.state).toBe('present');
  });

  it('refuses a spec without a check or with an unknown key', () => {
    expect(intentSchema.safeParse({ name: 'x', goal: 'y' }).success).toBe(false);
    expect(intentSchema.safeParse({ name: 'x', goal: 'y', check: 'true', colour: 'red' }).success).toBe(
      false,
    );
    expect(intentSchema.safeParse({ name: 'x', goal: 'y', check: 'true', max_attempts: 0 }).success).toBe(
      false,
    );
  });
});

describe('intent observe', () => {
  it('is converged when the check exits 0', async () => {
    await fs.writeFile(path.join(root, 'etc/greeting'), 'hello\n');
    const seen = await intentController.observe(spec(), ctx(normalGate()));
    expect(seen).toEqual({ ran: true, exitCode: 0, output: '' });
    expect(intentController.diff(spec(), seen)).toEqual([]);
  });

  it('is pending with the check output when the check fails, and plans one intent action', async () => {
    const s = spec({ check: 'echo "greeting is missing" >&2; exit 3', max_attempts: 2 });
    const seen = await intentController.observe(s, ctx(normalGate()));
    expect(seen).toEqual({ ran: true, exitCode: 3, output: 'greeting is missing' });
    const changes = intentController.diff(s, seen);
    expect(changes).toEqual([
      { field: 'check', before: 'exit 3', after: 'exit 0', detail: 'greeting is missing' },
    ]);
    const actions = intentController.plan(changes, s, seen);
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      tool: INTENT_TOOL,
      resource: 'intent:greeting',
      args: { name: 'greeting', goal: 'say hello', check: s.check, max_attempts: 2, timeout: 60 },
    });
  });

  it('runs the check with the root as working directory and AIOS_ROOT set', async () => {
    const s = spec({ check: 'pwd; echo "$AIOS_ROOT"; exit 1' });
    const seen = await intentController.observe(s, ctx(normalGate()));
    expect(seen).toEqual({ ran: true, exitCode: 1, output: `${root}\n${root}` });
  });

  it('does not run a check the gate denies, and reports it unobservable with the rule', async () => {
    const { runner, calls } = recording();
    const deny: CommandGuard = {
      decide: async (): Promise<Decision> => ({
        verdict: 'deny',
        rule: 'user:no-grep',
        reason: 'no grep here',
      }),
      sandbox: false,
    };
    const seen = await intentController.observe(spec(), ctx(deny, runner));
    expect(calls.filter((c) => c.includes('bash'))).toEqual([]);
    expect(seen).toEqual({ ran: false, verdict: 'deny', rule: 'user:no-grep', reason: 'no grep here' });
    const changes = intentController.diff(spec(), seen);
    expect(changes[0]?.unobservable).toBe('check blocked by rule user:no-grep (deny): no grep here');
    expect(intentController.plan(changes, spec(), seen)).toEqual([]);
  });

  it('does not run a check the gate wants confirmed: diff never prompts', async () => {
    const { runner, calls } = recording();
    const gate = createGate({ mode: 'safe', root, home: os.homedir() });
    const guard: CommandGuard = { decide: async (a, e) => gate.decide(a, e), sandbox: false };
    // curl is a network action: safe mode asks first.
    const s = spec({ check: 'curl -sf http://127.0.0.1:9/ | grep -q hello' });
    const seen = await intentController.observe(s, ctx(guard, runner));
    expect(calls.filter((c) => c.includes('bash'))).toEqual([]);
    expect(seen).toMatchObject({ ran: false, verdict: 'confirm', rule: 'mode:safe' });
  });

  it('asks the gate about a bash action with the check as its command', async () => {
    const asked: Action[] = [];
    const guard: CommandGuard = {
      decide: async (a) => {
        asked.push(a);
        return { verdict: 'allow', rule: 'test', reason: 'ok' };
      },
      sandbox: false,
    };
    await intentController.observe(spec(), ctx(guard));
    expect(asked).toEqual([
      {
        tool: 'bash',
        args: { command: 'grep -q hello etc/greeting', cwd: '/' },
        resource: 'intent:greeting',
        reason: 'read-only check',
      },
    ]);
  });

  it('runs no check at all without a gate', async () => {
    const { runner, calls } = recording();
    const seen = await intentController.observe(spec(), ctx(undefined, runner));
    expect(calls).toEqual([]);
    expect(seen).toMatchObject({ ran: false, rule: 'no-gate' });
    expect(intentController.diff(spec(), seen)[0]?.unobservable).toContain('no policy gate');
  });

  it('keeps secrets out of the check environment', async () => {
    process.env.AIOS_TEST_API_KEY = 'sk-planted-secret-123456';
    try {
      const seen = await intentController.observe(spec({ check: 'env; exit 1' }), ctx(normalGate()));
      expect(seen.ran && seen.output).toContain('AIOS_ROOT=');
      expect(seen.ran && seen.output).not.toContain('sk-planted-secret-123456');
    } finally {
      delete process.env.AIOS_TEST_API_KEY;
    }
  });

  it('caps the output it keeps', async () => {
    const seen = await intentController.observe(
      spec({ check: 'head -c 20000 /dev/zero | tr "\\0" x; exit 1' }),
      ctx(normalGate()),
    );
    expect(seen.ran).toBe(true);
    if (seen.ran) {
      expect(seen.output.length).toBeLessThan(CHECK_OUTPUT_MAX + 100);
      expect(seen.output).toMatch(/\[output truncated\]$/);
    }
  });

  it('kills a check that runs past its timeout', async () => {
    const seen = await intentController.observe(spec({ check: 'sleep 30', timeout: 1 }), ctx(normalGate()));
    expect(seen).toMatchObject({ ran: true, exitCode: 124 });
    if (seen.ran) expect(seen.output).toContain('timed out after 1s');
  });
});

describe('intent check sandbox', async () => {
  const bwrap = (await probeSandbox(spawnRunner)).available;

  it.skipIf(!bwrap)('runs the check read-only: it cannot write to the root', async () => {
    const s = spec({ check: 'echo x > etc/marker' });
    const seen = await intentController.observe(s, ctx(normalGate()));
    expect(seen.ran && seen.exitCode).not.toBe(0);
    await expect(fs.stat(path.join(root, 'etc/marker'))).rejects.toThrow();
  });

  it('refuses to run the check outside bubblewrap when [security] sandbox is on and bwrap cannot run', async () => {
    const { runner, calls } = recording();
    const noBwrap: ProcessRunner = (cmd, opts) =>
      cmd[0] === 'bwrap'
        ? Promise.resolve({
            command: cmd,
            exitCode: 127,
            signal: null,
            stdout: '',
            stderr: '',
            truncated: false,
            timedOut: false,
            durationMs: 0,
          })
        : runner(cmd, opts);
    const guard = { ...normalGate(), sandbox: true };
    const seen = await intentController.observe(spec(), ctx(guard, noBwrap));
    expect(calls).toEqual([]);
    expect(seen).toMatchObject({ ran: false, verdict: 'refused', rule: 'security.sandbox' });
    expect(intentController.diff(spec(), seen)[0]?.unobservable).toContain('bubblewrap');
  });
});
