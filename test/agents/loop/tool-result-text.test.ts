import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runTurn } from '../../../src/agents/agent-loop.js';
import { capText, summarise, toolResultText } from '../../../src/agents/tool-result-text.js';
import { registryOf } from '../../../src/tools/registry.js';
import type { Tool } from '../../../src/tools/tool.js';
import { makeHarness } from './loop-harness.js';
import { call, lastToolResult, scriptedProvider } from './scripted-provider.js';

describe('tool result text', () => {
  it('keeps short text whole and cuts long text to its head and tail', () => {
    expect(capText('short', 100)).toBe('short');
    const long = `HEAD${'x'.repeat(10_000)}TAIL`;
    const cut = capText(long, 500);
    expect(cut.length).toBeLessThanOrEqual(500);
    expect(cut.startsWith('HEAD')).toBe(true);
    expect(cut.endsWith('TAIL')).toBe(true);
    expect(cut).toMatch(/\[\.\.\. \d+ characters cut \.\.\.\]/);
  });

  it('shows the status, the exit code, the output and a separate stderr', () => {
    expect(toolResultText({ ok: true, output: '' })).toBe('ok');
    expect(toolResultText({ ok: false, output: 'partial', exitCode: 2, stderr: 'boom' })).toBe(
      'failed (exit code 2)\npartial\nstderr:\nboom',
    );
  });

  it('summarises to the first non-empty line', () => {
    expect(summarise('\n\n  first line  \nsecond')).toBe('first line');
    expect(summarise('y'.repeat(300), 20)).toHaveLength(20);
  });
});

describe('a tool that throws', () => {
  it('becomes an error result and the conversation goes on', async () => {
    const h = makeHarness();
    try {
      const exploding: Tool = {
        name: 'explode',
        description: 'always throws',
        schema: z.object({}),
        effect: 'read',
        run: async () => {
          throw new Error('kaboom from a plugin');
        },
      };
      const provider = scriptedProvider([
        { toolCalls: [call('explode', {})] },
        (req) => ({ text: `saw: ${lastToolResult(req)}` }),
      ]);
      const result = await runTurn(h.opts(provider, { registry: registryOf([exploding]) }));
      expect(result).toMatchObject({ finish: 'done', toolCalls: [{ verdict: 'allow', ok: false }] });
      expect(result.text).toContain('kaboom from a plugin');
      expect(provider.requests[1]?.messages.at(-1)).toMatchObject({ role: 'tool', isError: true });
    } finally {
      h.cleanup();
    }
  });
});
