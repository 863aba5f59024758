import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intentController } from '../../../controllers/intent-controller.js';
import { intentSchema } from '../../../controllers/intent-schema.js';
import { createIntentTool } from '../../../src/agents/intent-tool.js';
import { createGate } from '../../../src/policy/create-gate.js';
import { createBuiltinRegistry } from '../../../src/tools/registry.js';

// The intent action as the gate sees it: an `exec` tool call (decision 131).
const spec = intentSchema.parse({ name: 'greeting', goal: 'hello', check: 'grep -q hello etc/greeting' });
const action = intentController.plan([{ field: 'check', before: 'exit 1', after: 'exit 0' }], spec, {
  ran: true,
  exitCode: 1,
  output: '',
})[0];
const tool = createIntentTool({
  provider: () => {
    throw new Error('not used');
  },
  registry: createBuiltinRegistry(),
  gate: createGate({ mode: 'normal' }),
  confirm: async () => ({ outcome: 'denied' }),
  sandbox: false,
  maxSteps: 1,
  maxTokens: 1,
});

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aios-intent-policy-'));
  await fs.writeFile(
    path.join(dir, 'intents.toml'),
    [
      '[[rule]]',
      'id = "intents"',
      'description = "intents may start the agent"',
      'verdict = "allow"',
      'tool = ["intent"]',
      'modes = ["paranoid"]',
      'match = [{ tool = "intent", name = "greeting" }]',
      'not_match = [{ tool = "write_file", path = "/etc/x" }]',
      '',
    ].join('\n'),
  );
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('the intent action and the gate', () => {
  it('is planned with arguments the intent tool accepts, as an exec action', () => {
    expect(action).toBeDefined();
    expect(tool.schema.safeParse(action?.args).error?.issues ?? []).toEqual([]);
    expect(tool.name).toBe(action?.tool);
    expect(tool.effect).toBe('exec');
  });

  it.each([
    ['normal', 'allow', 'mode:normal'],
    ['trusted', 'allow', 'mode:trusted'],
    ['safe', 'confirm', 'mode:safe'],
    ['paranoid', 'deny', 'mode:paranoid'],
  ])('in %s mode it is %s (%s)', (mode, verdict, rule) => {
    const gate = createGate({ mode, home: os.homedir() });
    expect(gate.decide(action as NonNullable<typeof action>, tool.effect)).toMatchObject({ verdict, rule });
  });

  it('in paranoid mode a user allow rule lets it through to a confirmation', () => {
    const gate = createGate({ mode: 'paranoid', home: os.homedir(), policyDirs: [dir] });
    expect(gate.decide(action as NonNullable<typeof action>, tool.effect)).toMatchObject({
      verdict: 'confirm',
      rule: 'mode:paranoid',
    });
  });
});
