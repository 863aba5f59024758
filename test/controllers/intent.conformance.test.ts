import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { createIntentTool } from '../../src/agents/intent-tool.js';
import { createGate } from '../../src/policy/create-gate.js';
import { afterToolResult, scriptedProvider } from '../agents/intent/scripted-provider.js';
import { runConformance } from './conformance.js';

// The agent is a scripted provider: asked to act, it writes the greeting; after the tool result
// it says it is done. The check (read-only, cwd = the root) and every agent call pass the gate.
const gateFor = (root: string) => createGate({ mode: 'normal', root, home: os.homedir() });

runConformance({
  kind: 'intent',
  title: 'a goal the agent converges with write_file, judged by its check',
  setup: (root) => fs.mkdir(path.join(root, 'etc')),
  spec: () => ({
    name: 'greeting',
    goal: 'the file /etc/greeting says hello',
    check: 'grep -q hello etc/greeting',
  }),
  guard: (root) => {
    const gate = gateFor(root);
    return { decide: async (a, e) => gate.decide(a, e), sandbox: false };
  },
  extraTools: (root, _dirs, base) => [
    createIntentTool({
      provider: () =>
        scriptedProvider((req) =>
          afterToolResult(req)
            ? { text: 'wrote /etc/greeting' }
            : { toolCalls: [{ name: 'write_file', args: { path: '/etc/greeting', content: 'hello\n' } }] },
        ),
      registry: base,
      gate: gateFor(root),
      confirm: async () => ({ outcome: 'denied' }),
      sandbox: false,
      maxSteps: 4,
      maxTokens: 256,
    }),
  ],
  drift: (root) => fs.writeFile(path.join(root, 'etc/greeting'), 'goodbye\n'),
  extraCheck: async (root) => {
    expect(await fs.readFile(path.join(root, 'etc/greeting'), 'utf8')).toBe('hello\n');
  },
});
