// Shared set-up for the loop tests: a temp --root, the real built-in registry and policy gate, and
// a recording ProcessRunner, so a `bash` call that the gate allows reaches the real bash tool but no
// process is ever spawned (nothing destructive can run, whatever a test scripts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfirmFn, Provider, TurnOptions } from '../../../src/agents/agent-types.js';
import type { ProcessRunner, RunResult } from '../../../src/host/process-runner.js';
import { RootPath } from '../../../src/host/root-path.js';
import { createGate, type GateOptions } from '../../../src/policy/create-gate.js';
import { createBuiltinRegistry } from '../../../src/tools/registry.js';

export interface Harness {
  dir: string;
  root: string;
  /** Every command line the tools tried to spawn. */
  spawned: string[][];
  /** Scripted answers of the fake runner by a substring of the command; default exit 0, no output. */
  answers: { match: string; result: Partial<RunResult> }[];
  runner: ProcessRunner;
  opts(provider: Provider, extra?: Partial<TurnOptions>): TurnOptions;
  cleanup(): void;
}

export function makeHarness(gate: Partial<GateOptions> = {}): Harness {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-loop-'));
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(root, 'srv'), { recursive: true });
  const spawned: string[][] = [];
  const answers: Harness['answers'] = [];
  const runner: ProcessRunner = async (command) => {
    spawned.push(command);
    const line = command.join(' ');
    const answer = answers.find((a) => line.includes(a.match))?.result ?? {};
    return {
      command,
      exitCode: 0,
      signal: null,
      stdout: '',
      stderr: '',
      truncated: false,
      timedOut: false,
      durationMs: 1,
      ...answer,
    };
  };
  const registry = createBuiltinRegistry();
  const theGate = createGate({ mode: 'normal', root, home: '/root', ...gate });
  const refuseConfirm: ConfirmFn = async () => ({ outcome: 'denied' });
  return {
    dir,
    root,
    spawned,
    answers,
    runner,
    opts: (provider, extra = {}) => ({
      provider,
      registry,
      gate: theGate,
      toolCtx: { root: new RootPath(root), runner, sandbox: false },
      confirm: refuseConfirm,
      system: 'You are a test agent.',
      history: [],
      userText: 'do the thing',
      maxSteps: 10,
      maxTokens: 1000,
      ...extra,
    }),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The bash command lines the fake runner saw (the LINE of `... bash -c LINE`, after any wrapper). */
export function bashLines(h: Harness): string[] {
  return h.spawned.flatMap((c) => {
    const i = c.findIndex((w, n) => w === 'bash' && c[n + 1] === '-c');
    return i < 0 ? [] : [c[i + 2] ?? ''];
  });
}
