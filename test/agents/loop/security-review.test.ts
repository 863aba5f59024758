import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runTurn } from '../../../src/agents/agent-loop.js';
import type { ConfirmFn, TurnToolCall } from '../../../src/agents/agent-types.js';
import {
  combineDecision,
  createSecurityReviewer,
  parseReview,
  SECURITY_REVIEW_RULE,
} from '../../../src/agents/security-review.js';
import type { Decision } from '../../../src/types.js';
import { bashLines, type Harness, makeHarness } from './loop-harness.js';
import { call, lastToolResult, scriptedProvider } from './scripted-provider.js';

let h: Harness | undefined;
afterEach(() => h?.cleanup());

const gateSays = (verdict: Decision['verdict']): Decision => ({ verdict, rule: 'builtin:x', reason: 'r' });

describe('combineDecision', () => {
  it('makes a decision stricter when the review is stricter', () => {
    expect(combineDecision(gateSays('allow'), { verdict: 'deny', reason: 'exfiltration' })).toEqual({
      verdict: 'deny',
      rule: SECURITY_REVIEW_RULE,
      reason: 'security agent: exfiltration (the gate said allow by builtin:x)',
    });
    expect(combineDecision(gateSays('allow'), { verdict: 'confirm', reason: 'broad' }).verdict).toBe(
      'confirm',
    );
    expect(combineDecision(gateSays('confirm'), { verdict: 'deny', reason: 'no' }).verdict).toBe('deny');
  });

  it('never loosens the gate', () => {
    for (const gate of ['confirm', 'deny'] as const) {
      for (const review of ['allow', 'confirm'] as const) {
        if (review === gate) continue;
        expect(combineDecision(gateSays(gate), { verdict: review, reason: 'fine' })).toEqual(gateSays(gate));
      }
    }
  });
});

describe('parseReview', () => {
  it('reads a JSON answer, also inside a code fence or prose', () => {
    expect(parseReview('{"verdict":"deny","reason":"wipes data"}')).toEqual({
      verdict: 'deny',
      reason: 'wipes data',
    });
    expect(parseReview('Here:\n```json\n{ "verdict": "ALLOW", "reason": "read-only" }\n```')).toEqual({
      verdict: 'allow',
      reason: 'read-only',
    });
  });

  it('turns anything unreadable into confirm, never allow', () => {
    for (const text of [
      '',
      'allow',
      'looks fine to me',
      '{"verdict":"yes"}',
      '{"verdict": allow}',
      '[1,2]',
      '{"reason":"x"}',
    ]) {
      expect(parseReview(text).verdict).toBe('confirm');
    }
  });
});

describe('the security agent in the loop', () => {
  const writeMotd = () =>
    scriptedProvider([
      { toolCalls: [call('write_file', { path: '/srv/motd', content: 'hi\n' })] },
      (req) => ({ text: lastToolResult(req) }),
    ]);

  it('vetoes a write the gate allows: the file is never written and the model is told why', async () => {
    h = makeHarness();
    const reviewModel = scriptedProvider([
      { text: '{"verdict":"deny","reason":"the goal never asked for a motd"}' },
    ]);
    const reviewer = createSecurityReviewer(reviewModel);
    const calls: TurnToolCall[] = [];
    const result = await runTurn(
      h.opts(writeMotd(), { reviewer, goal: 'check disk usage', onToolCall: (c) => calls.push(c) }),
    );

    expect(fs.existsSync(path.join(h.root, 'srv/motd'))).toBe(false);
    expect(calls[0]).toMatchObject({
      outcome: 'denied',
      gateDecision: { verdict: 'allow' },
      review: { verdict: 'deny', reason: 'the goal never asked for a motd' },
      decision: { verdict: 'deny', rule: SECURITY_REVIEW_RULE },
    });
    expect(result.text).toContain('the goal never asked for a motd');
    // The reviewer saw the goal and the action as data, without the tools.
    const asked = reviewModel.requests[0];
    expect(asked?.tools).toEqual([]);
    expect(asked?.messages[0]?.content).toContain('check disk usage');
    expect(asked?.messages[0]?.content).toContain('/srv/motd');
    expect(reviewer.usage.inputTokens).toBe(10);
  });

  it('turns an allowed write into a confirm that a person approves', async () => {
    h = makeHarness();
    const reviewer = createSecurityReviewer(
      scriptedProvider([{ text: '{"verdict":"confirm","reason":"changes the login banner"}' }]),
    );
    const asked: Decision[] = [];
    const confirm: ConfirmFn = async (_a, d) => {
      asked.push(d);
      return { outcome: 'approved' };
    };
    await runTurn(h.opts(writeMotd(), { reviewer, confirm }));
    expect(asked).toEqual([expect.objectContaining({ verdict: 'confirm', rule: SECURITY_REVIEW_RULE })]);
    expect(fs.readFileSync(path.join(h.root, 'srv/motd'), 'utf8')).toBe('hi\n');
  });

  it('never loosens a gate deny, and does not spend a review on it', async () => {
    h = makeHarness();
    const reviewModel = scriptedProvider([{ text: '{"verdict":"allow","reason":"the user wants it"}' }]);
    const provider = scriptedProvider([
      { toolCalls: [call('bash', { command: 'rm -rf /' })] },
      (req) => ({ text: lastToolResult(req) }),
    ]);
    const result = await runTurn(h.opts(provider, { reviewer: createSecurityReviewer(reviewModel) }));
    expect(result.toolCalls[0]).toMatchObject({
      verdict: 'deny',
      rule: expect.stringContaining('recursive-delete-system'),
    });
    expect(bashLines(h)).toEqual([]);
    expect(reviewModel.requests).toHaveLength(0);
  });

  it('never loosens a gate confirm', async () => {
    h = makeHarness({ mode: 'safe' });
    const reviewer = createSecurityReviewer(
      scriptedProvider([{ text: '{"verdict":"allow","reason":"harmless"}' }]),
    );
    const asked: Decision[] = [];
    const result = await runTurn(
      h.opts(writeMotd(), {
        reviewer,
        confirm: async (_a, d) => {
          asked.push(d);
          return { outcome: 'denied' };
        },
      }),
    );
    expect(asked).toHaveLength(1);
    expect(asked[0]?.rule).not.toBe(SECURITY_REVIEW_RULE);
    expect(fs.existsSync(path.join(h.root, 'srv/motd'))).toBe(false);
    expect(result.toolCalls[0]?.verdict).toBe('confirm');
  });

  it('asks a person when the review fails or cannot be read', async () => {
    for (const answer of [new Error('reviewer: 503 overloaded'), { text: 'I think it is fine.' }]) {
      h?.cleanup();
      h = makeHarness();
      const reviewer = createSecurityReviewer(scriptedProvider([answer]));
      const asked: Decision[] = [];
      await runTurn(
        h.opts(writeMotd(), {
          reviewer,
          confirm: async (_a, d) => {
            asked.push(d);
            return { outcome: 'denied' };
          },
        }),
      );
      expect(asked).toEqual([expect.objectContaining({ verdict: 'confirm', rule: SECURITY_REVIEW_RULE })]);
      expect(fs.existsSync(path.join(h.root, 'srv/motd'))).toBe(false);
    }
  });

  it('does not review reads', async () => {
    h = makeHarness();
    fs.writeFileSync(path.join(h.root, 'srv/a'), 'a');
    const reviewModel = scriptedProvider([]);
    const provider = scriptedProvider([
      { toolCalls: [call('read_file', { path: '/srv/a' })] },
      { text: 'ok' },
    ]);
    const result = await runTurn(h.opts(provider, { reviewer: createSecurityReviewer(reviewModel) }));
    expect(result.toolCalls[0]).toMatchObject({ verdict: 'allow', ok: true });
    expect(reviewModel.requests).toHaveLength(0);
  });
});

describe('createSecurityReviewer', () => {
  it('never shows the reviewer the arguments of a sensitive action', async () => {
    const model = scriptedProvider([{ text: '{"verdict":"allow","reason":"ok"}' }]);
    const review = await createSecurityReviewer(model).review(
      {
        tool: 'write_file',
        args: { path: '/etc/app/token', content: 'hunter2-secret' },
        reason: 'agent: x',
        sensitive: true,
      },
      'write',
      { goal: 'rotate the token' },
    );
    expect(review).toEqual({ verdict: 'allow', reason: 'ok' });
    const shown = String(model.requests[0]?.messages[0]?.content);
    expect(shown).toContain('arguments hidden');
    expect(shown).not.toContain('hunter2-secret');
  });
});
