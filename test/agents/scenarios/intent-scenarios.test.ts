// Scenario 7 against the built CLI for each provider: an [[intent]] whose check fails is pending in
// `aios diff` (exit 2, with the check's output); `aios apply` snapshots first, lets the agent act
// through gated tools, reruns the check, and converges in the second attempt (exit 0, then diff
// exit 0), or gives up after max_attempts (apply exit 1, diff still pending with the check output).
// The second attempt's request carries the first attempt's check output.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  aios,
  baseEnv,
  boxFor,
  fakeFor,
  PROVIDERS,
  type ProviderKind,
  providerEnv,
  type RecordedRequest,
  rootFile,
  type Script,
  systemText,
  type TestCtx,
  toolResults,
  userTexts,
} from './scenario-harness.js';

const spec = (maxAttempts: number) => `
[[intent]]
name = "greeting"
goal = "the file /etc/greeting says hello"
check = "grep -q hello etc/greeting || { echo \\"greeting is: $(cat etc/greeting 2>/dev/null || echo missing)\\"; exit 1; }"
max_attempts = ${maxAttempts}
`;

const write = (content: string) => ({
  toolCalls: [{ name: 'write_file', args: { path: '/etc/greeting', content } }],
});

/** A request that follows a tool result (the agent then says it is done with this attempt). */
const afterTool = (kind: ProviderKind, req: RecordedRequest) => {
  const msgs = req.body?.messages ?? [];
  const last = msgs.at(-1);
  return kind === 'anthropic'
    ? Array.isArray(last?.content) && last.content.some((b: { type: string }) => b.type === 'tool_result')
    : last?.role === 'tool';
};

async function setup(
  t: TestCtx,
  kind: ProviderKind,
  script: Script,
  maxAttempts: number,
  securityAgent = false,
) {
  const box = await boxFor(t, `intent-${kind}`, { recovery: true, securityAgent });
  fs.writeFileSync(path.join(box.specs, 'greeting.toml'), spec(maxAttempts));
  const fake = await fakeFor(t, kind, script);
  return { box, fake, env: baseEnv(box, providerEnv(kind, fake)) };
}

describe.concurrent.each(PROVIDERS)('7: [[intent]] with %s', (kind) => {
  it('is pending in diff, converges in the second attempt after a snapshot, then diff is clean', async (t) => {
    const { box, fake, env } = await setup(
      t,
      kind,
      [
        write('goodbye\n'),
        { text: 'Wrote a greeting.' },
        (req) =>
          write(userTexts(kind, req.body).join('\n').includes('greeting is: goodbye') ? 'hello\n' : 'LOST\n'),
        { text: 'Now it says hello.' },
      ],
      3,
    );
    const d = await aios(box, ['diff'], env);
    expect(d.code, d.err).toBe(2);
    expect(d.out).toContain('intent:greeting');
    expect(d.out).toContain('greeting is: missing');
    expect(fake.chatRequests).toHaveLength(0);

    const a = await aios(box, ['apply'], env);
    expect(a.code, `${a.out}\n${a.err}`).toBe(0);
    expect(fs.readFileSync(rootFile(box, '/etc/greeting'), 'utf8')).toBe('hello\n');
    expect(a.out).toMatch(/intent:greeting attempt 1: write_file \/etc\/greeting → allow \(mode:normal\)/);
    expect(a.out).toContain('intent:greeting attempt 2: check exit 0');
    expect(a.out).toMatch(/snapshot \S+/);
    expect(fake.chatRequests).toHaveLength(4);
    // Tool results went back under the ids of the calls.
    const second = fake.chatRequests[1]?.body;
    expect(toolResults(kind, second)).toHaveLength(1);

    const snaps = await aios(box, ['snapshots', '--json'], env);
    expect(snaps.code, snaps.err).toBe(0);
    expect(JSON.parse(snaps.out)).toHaveLength(1);
    const again = await aios(box, ['diff'], env);
    expect(again.code, again.out).toBe(0);
  });

  it('gives up after max_attempts: apply exits 1 and diff still shows it pending with the check output', async (t) => {
    const { box, fake, env } = await setup(
      t,
      kind,
      (req) => (afterTool(kind, req) ? { text: 'Tried.' } : write('bonjour\n')),
      2,
    );
    const a = await aios(box, ['apply'], env);
    expect(a.code, `${a.out}\n${a.err}`).toBe(1);
    expect(a.out).toContain('gave up after 2 attempt(s)');
    expect(fake.chatRequests).toHaveLength(4);
    const d = await aios(box, ['diff'], env);
    expect(d.code).toBe(2);
    expect(d.out).toContain('greeting is: bonjour');
  });
});

describe.concurrent('8 inside 7: the security agent reviews an intent agent too', () => {
  it('a vetoed write leaves the intent failed and the file unwritten', async (t) => {
    const kind = 'anthropic';
    const { box, fake, env } = await setup(
      t,
      kind,
      (req) => {
        if (systemText(kind, req.body).startsWith('You are the security reviewer'))
          return { text: '{"verdict": "deny", "reason": "not during this test"}' };
        return afterTool(kind, req) ? { text: 'Refused.' } : write('hello\n');
      },
      1,
      true,
    );
    const a = await aios(box, ['apply'], env);
    expect(a.code, `${a.out}\n${a.err}`).toBe(1);
    expect(a.out).toContain('deny (agent:security-review)');
    expect(fs.existsSync(rootFile(box, '/etc/greeting'))).toBe(false);
    expect(
      fake.chatRequests.filter((q) => systemText(kind, q.body).startsWith('You are the security')),
    ).toHaveLength(1);
  });
});
