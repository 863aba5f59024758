import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execCommandLine, execController } from '../../controllers/exec-controller.js';
import { execSchema } from '../../controllers/exec-schema.js';
import { type ProcessRunner, type RunOptions, spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { applyActions, makeTempDirs, planResource, toolContext } from './conformance.js';

let dirs: Awaited<ReturnType<typeof makeTempDirs>>;
const parse = (raw: Record<string, unknown>) => execSchema.parse(raw);

/** A runner that answers guards by their text and records every call. */
function fakeRunner(exitCodes: Record<string, number>) {
  const calls: { command: string[]; options: RunOptions | undefined }[] = [];
  const runner: ProcessRunner = async (command, options) => {
    calls.push({ command, options });
    const code = exitCodes[command.at(-1) ?? ''] ?? 99;
    return {
      command,
      exitCode: code,
      signal: null,
      stdout: '',
      stderr: '',
      truncated: false,
      timedOut: false,
      durationMs: 1,
    };
  };
  return { runner, calls };
}

const observe = (raw: Record<string, unknown>, runner: ProcessRunner) =>
  planResource(execController, parse(raw), { root: new RootPath(dirs.root), runner, specDir: dirs.specDir });

beforeEach(async () => {
  dirs = await makeTempDirs('aios-exec-');
});
afterEach(() => fs.rm(dirs.base, { recursive: true, force: true }));

describe('exec schema', () => {
  it('refuses an exec without a guard, which would run on every apply', () => {
    const issues = execSchema.safeParse({ name: 'x', command: 'make install' }).error?.issues ?? [];
    expect(issues.map((i) => i.message)).toEqual([
      'needs creates, unless, onlyif or refreshonly = true, or it would run on every apply',
    ]);
  });

  it('has no absent state and a default timeout of 300 s', () => {
    expect(execSchema.safeParse({ name: 'x', command: 'c', creates: '/x', state: 'absent' }).success).toBe(
      false,
    );
    expect(parse({ name: 'x', command: 'c', creates: '/x' }).timeout).toBe(300);
  });
});

describe('exec guards', () => {
  it('does not run when creates exists, without running any guard command', async () => {
    await fs.mkdir(path.join(dirs.root, 'opt'));
    await fs.writeFile(path.join(dirs.root, 'opt/done'), '');
    const { runner, calls } = fakeRunner({ 'check-it': 1 });
    const { observed, changes } = await observe(
      { name: 'x', command: 'c', creates: '/opt/done', unless: 'check-it' },
      runner,
    );
    expect(observed).toEqual({ run: false, reason: '/opt/done exists' });
    expect(changes).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('does not run when unless exits 0', async () => {
    const { runner } = fakeRunner({ 'already-done': 0 });
    const { changes } = await observe({ name: 'x', command: 'c', unless: 'already-done' }, runner);
    expect(changes).toEqual([]);
  });

  it('does not run when onlyif exits non-zero', async () => {
    const { runner } = fakeRunner({ 'needed?': 1 });
    const { observed, changes } = await observe({ name: 'x', command: 'c', onlyif: 'needed?' }, runner);
    expect(observed).toEqual({ run: false, reason: 'onlyif exited 1' });
    expect(changes).toEqual([]);
  });

  it('runs when every guard agrees and says why in the change', async () => {
    const { runner } = fakeRunner({ 'done?': 1, 'needed?': 0 });
    const { changes, actions } = await observe(
      {
        name: 'x',
        command: 'make install',
        creates: '/opt/x',
        unless: 'done?',
        onlyif: 'needed?',
        timeout: 60,
      },
      runner,
    );
    expect(changes).toEqual([
      { field: 'run', before: '/opt/x is missing, unless exited 1, onlyif exited 0', after: 'make install' },
    ]);
    expect(actions).toEqual([
      {
        tool: 'bash',
        args: { command: 'make install', timeout: 60 },
        resource: 'exec:x',
        reason: '/opt/x is missing, unless exited 1, onlyif exited 0',
      },
    ]);
  });

  it('runs guards with bash -c inside the root, with AIOS_ROOT and the environment set, secrets scrubbed', async () => {
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-test-not-for-guards';
    await fs.mkdir(path.join(dirs.root, 'srv/app'), { recursive: true });
    const { runner, calls } = fakeRunner({});
    await observe(
      {
        name: 'x',
        command: 'c',
        unless: 'test -f ready',
        cwd: '/srv/app',
        environment: { MODE: 'prod' },
        timeout: 7,
      },
      runner,
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]?.command).toEqual(['timeout', '-k', '2', '7s', 'bash', '-c', 'test -f ready']);
    expect(calls[0]?.options?.env?.OPENAI_API_KEY).toBeUndefined();
    expect(calls[0]?.options?.cwd).toBe(path.join(dirs.root, 'srv/app'));
    expect(calls[0]?.options?.env?.AIOS_ROOT).toBe(dirs.root);
    expect(calls[0]?.options?.env?.MODE).toBe('prod');
    expect(calls[0]?.options?.timeoutMs).toBe(12000);
    if (saved === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = saved;
  });

  it('treats a guard that times out as failed: unless says run, onlyif says skip', async () => {
    const ctx = { root: new RootPath(dirs.root), specDir: dirs.specDir };
    const slow = { name: 'x', command: 'c', timeout: 1 };
    const unless = await planResource(execController, parse({ ...slow, unless: 'sleep 30' }), {
      ...ctx,
      runner: spawnRunner,
    });
    expect(unless.observed).toEqual({ run: true, reason: 'unless timed out' });
    const onlyif = await planResource(execController, parse({ ...slow, onlyif: 'sleep 30; true' }), {
      ...ctx,
      runner: spawnRunner,
    });
    expect(onlyif.observed).toEqual({ run: false, reason: 'onlyif timed out' });
  });

  it('never runs a guard or plans anything for refreshonly on a plain apply', async () => {
    const { runner, calls } = fakeRunner({});
    const { changes } = await observe({ name: 'x', command: 'c', refreshonly: true, unless: 'g' }, runner);
    expect(changes).toEqual([]);
    expect(calls).toEqual([]);
  });
});

describe('exec commands', () => {
  it('exports the environment, quoted, before the command', () => {
    const spec = parse({
      name: 'x',
      command: 'run "$A"',
      creates: '/x',
      environment: { A: "it's", B: 'plain' },
    });
    expect(execCommandLine(spec)).toBe(`export A='it'\\''s' B=plain\nrun "$A"`);
  });

  it('on notify, checks the guards in the shell right before the command', async () => {
    await fs.mkdir(path.join(dirs.root, 'var'));
    const spec = parse({
      name: 'reload',
      command: 'echo ran >> "$AIOS_ROOT/var/log.txt"',
      creates: '/var/skip-marker',
      refreshonly: true,
    });
    const actions = execController.onNotify?.(spec) ?? [];
    expect(actions).toHaveLength(1);
    await applyActions(actions, toolContext(dirs.root));
    expect(await fs.readFile(path.join(dirs.root, 'var/log.txt'), 'utf8')).toBe('ran\n');
    await fs.writeFile(path.join(dirs.root, 'var/skip-marker'), '');
    await applyActions(actions, toolContext(dirs.root));
    expect(await fs.readFile(path.join(dirs.root, 'var/log.txt'), 'utf8')).toBe('ran\n');
  });

  it('on notify, skips the command when unless exits 0 or onlyif exits non-zero', async () => {
    await fs.mkdir(path.join(dirs.root, 'var'));
    const log = path.join(dirs.root, 'var/log.txt');
    const run = async (guards: Record<string, string>) => {
      const spec = parse({
        name: 'n',
        command: 'echo ran >> "$AIOS_ROOT/var/log.txt"',
        refreshonly: true,
        ...guards,
      });
      await applyActions(execController.onNotify?.(spec) ?? [], toolContext(dirs.root));
    };
    await run({ unless: 'true' });
    await run({ onlyif: 'false' });
    await expect(fs.readFile(log, 'utf8')).rejects.toThrow(/ENOENT/);
    await run({ unless: 'false', onlyif: 'true' });
    expect(await fs.readFile(log, 'utf8')).toBe('ran\n');
  });

  it('requires its working directory and watches its creates path', () => {
    const spec = parse({ name: 'x', command: 'c', creates: '/opt/x/.done', cwd: '/opt/x' });
    expect(execController.implicitRequires?.(spec)).toEqual(['directory:/opt/x']);
    expect(execController.watchPaths?.(spec)).toEqual(['/opt/x/.done']);
  });
});
