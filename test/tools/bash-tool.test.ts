import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessRunner } from '../../src/host/process-runner.js';
import { executeAction } from '../../src/tools/execute.js';
import { createBuiltinRegistry } from '../../src/tools/registry.js';
import type { ToolContext, ToolResult } from '../../src/tools/tool.js';
import { makeTempRoot, type TempRoot } from './tool-fixture.js';

let t: TempRoot;
const registry = createBuiltinRegistry();
const bash = (args: Record<string, unknown>, ctx: ToolContext = t.ctx): Promise<ToolResult> =>
  executeAction(registry, { tool: 'bash', args, reason: 'test' }, ctx);

beforeEach(() => {
  t = makeTempRoot();
});
afterEach(() => t.cleanup());

describe('bash', () => {
  it('captures stdout, stderr and the exit code', async () => {
    const r = await bash({ command: 'echo out; echo err >&2; exit 7' });
    expect(r).toMatchObject({ ok: false, output: 'out\n', stderr: 'err\n', exitCode: 7 });
    expect(await bash({ command: 'true' })).toMatchObject({ ok: true, exitCode: 0 });
  });

  it("never hands aios's own provider keys to the commands it runs, sandboxed or not", async () => {
    const saved = { ...process.env };
    process.env.OPENAI_API_KEY = 'sk-planted-openai';
    process.env.AIOS_LLM__ANTHROPIC__API_KEY = 'sk-planted-anthropic';
    process.env.AIOS_TEST_PLAIN = 'kept';
    try {
      const r = await bash({ command: 'env' });
      expect(r.ok).toBe(true);
      expect(r.output).not.toContain('sk-planted');
      expect(r.output).toContain('AIOS_TEST_PLAIN=kept');
    } finally {
      process.env = saved;
    }
  });

  it('runs in the root by default and in a cwd given as a host path', async () => {
    expect((await bash({ command: 'pwd' })).output.trim()).toBe(t.dir);
    expect((await bash({ command: 'pwd', cwd: '/etc' })).output.trim()).toBe(t.real('etc'));
    const r = await bash({ command: 'pwd', cwd: '/no/such/dir' });
    expect(r.ok).toBe(false);
    expect(r.output).toContain('working directory /no/such/dir is not usable');
  });

  it('caps long output with a note saying how many bytes were dropped', async () => {
    const r = await bash(
      { command: 'head -c 5000 /dev/zero | tr "\\0" x' },
      { ...t.ctx, maxOutputBytes: 1000 },
    );
    expect(r.ok).toBe(true);
    expect(r.output).toBe(`${'x'.repeat(1000)}\n[output truncated: 4000 bytes more]`);
  });

  it('kills a command and everything it started when the timeout passes', async () => {
    const marker = t.real('etc/late');
    const started = Date.now();
    const r = await bash({ command: `sleep 5; touch ${marker}`, timeout: 1 });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(r.ok).toBe(false);
    expect(r.output).toContain('[timed out after 1s; the command was killed]');
    await new Promise((res) => setTimeout(res, 4500));
    expect(fs.existsSync(marker)).toBe(false);
  }, 15_000);

  it('passes the root to the command as AIOS_ROOT', async () => {
    expect((await bash({ command: 'printf %s "$AIOS_ROOT"' })).output).toBe(t.dir);
  });

  it('refuses, and runs nothing, when the sandbox is on but bwrap cannot run', async () => {
    const calls: string[][] = [];
    const noBwrap: ProcessRunner = async (command) => {
      calls.push(command);
      return {
        command,
        exitCode: 127,
        signal: null,
        stdout: '',
        stderr: 'bwrap: not found',
        truncated: false,
        timedOut: false,
        durationMs: 1,
      };
    };
    const r = await bash({ command: 'echo hi' }, { ...t.ctx, runner: noBwrap, sandbox: true });
    expect(r.ok).toBe(false);
    expect(r.output).toContain('refused: [security] sandbox = true');
    expect(r.output).toContain('not installed');
    expect(calls).toEqual([['bwrap', '--ro-bind', '/', '/', '--unshare-all', '--die-with-parent', 'true']]);
  });
});
