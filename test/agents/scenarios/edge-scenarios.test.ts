// Edges an outside tester reaches for next, against the built `aios chat`: ollama through the
// config's [llm.ollama] base_url, base URLs with a trailing slash, a 429 whose retry-after is an
// hour and a stalled stream (both fail fast, in one line), tool calls the loop cannot run (unknown
// tool, unparsable arguments), a link in the root pointing out of it, a failing security review,
// and a confirm in process without a terminal (declined) or with --yes (run).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AIOS,
  aios,
  assistantCalls,
  type BoxOptions,
  baseEnv,
  boxFor,
  fakeFor,
  type ProviderKind,
  providerEnv,
  rootFile,
  type Script,
  startDaemon,
  systemText,
  type TestCtx,
  toolResults,
} from './scenario-harness.js';

async function setup(t: TestCtx, kind: ProviderKind, script: Script, prefix: string, opts: BoxOptions = {}) {
  const box = await boxFor(t, prefix, opts);
  const fake = await fakeFor(t, kind, script);
  return { box, fake, env: baseEnv(box, providerEnv(kind, fake)) };
}

describe.concurrent('providers reached the other documented ways', () => {
  it('ollama through [llm.ollama] base_url in the config, no key and no OLLAMA_HOST', async (t) => {
    const fake = await fakeFor(t, 'ollama', [{ text: 'hello from the configured ollama' }]);
    const box = await boxFor(t, 'ollama-cfg', { tail: `\n[llm.ollama]\nbase_url = "${fake.url}"\n` });
    const r = await aios(box, ['chat', 'hi', '--provider', 'ollama'], baseEnv(box));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('hello from the configured ollama\n');
    expect(fake.chatRequests[0]?.body.model).toBeTruthy();
  });

  it.for(['openai', 'anthropic'] as const)(
    '%s with a trailing slash on its base URL variable',
    async (kind, t) => {
      const { box, fake, env } = await setup(t, kind, [{ text: 'slash ok' }], `slash-${kind}`);
      if (kind === 'openai') env.OPENAI_BASE_URL = `${fake.url}/`;
      else env.ANTHROPIC_BASE_URL = `${fake.url}/`;
      const r = await aios(box, ['chat', 'hi'], env);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toBe('slash ok\n');
      expect(fake.chatRequests[0]?.path).toMatch(/^\/v1\/(chat\/completions|messages)$/);
    },
  );
});

describe.concurrent('giving up quickly', () => {
  it.for(['openai', 'anthropic'] as const)(
    '%s: a 429 asking to retry in an hour is one line, not an hour',
    async (kind, t) => {
      const { box, env } = await setup(
        t,
        kind,
        () => ({ status: 429, headers: { 'retry-after': '3600' } }),
        `429long-${kind}`,
      );
      const r = await aios(box, ['chat', 'hi'], env);
      expect(r.code).toBe(1);
      expect(r.err.split('\n').filter((l) => l.startsWith('aios: '))).toHaveLength(1);
      expect(r.err).toMatch(/429|rate/i);
      expect(r.ms).toBeLessThan(10_000);
    },
  );

  it('a stream that stalls past [llm.openai] timeout fails in one line, and the session is kept', async (t) => {
    const { box, env } = await setup(
      t,
      'openai',
      () => ({ text: 'this will stall forever', stallMs: 30_000 }),
      'stall',
      { openaiLines: 'timeout = "1500ms"' },
    );
    const r = await aios(box, ['chat', 'hi'], env);
    expect(r.code).toBe(1);
    expect(r.err.split('\n').filter((l) => l.startsWith('aios: '))).toHaveLength(1);
    expect(r.ms).toBeLessThan(15_000);
    expect(r.err).toMatch(/session [0-9a-f-]{36}/);
  });
});

describe.concurrent('limits and cost from the config', () => {
  it.for(['openai', 'anthropic'] as const)(
    '%s: max_steps stops a model that never ends, max_tokens is sent, cost is summed',
    async (kind, t) => {
      const { box, fake, env } = await setup(
        t,
        kind,
        () => ({
          toolCalls: [{ name: 'list_dir', args: { path: '/etc' } }],
          usage: { input: 10, output: 2, costUsd: 0.0025 },
        }),
        `limits-${kind}`,
      );
      const r = await aios(box, ['chat', 'loop forever', '--json'], {
        ...env,
        AIOS_LLM__MAX_STEPS: '3',
        AIOS_LLM__MAX_TOKENS: '777',
      });
      expect(r.code, r.err).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.finish).toBe('max_steps');
      expect(j.steps).toBe(3);
      expect(j.tool_calls).toHaveLength(3);
      expect(j.usage).toMatchObject({ inputTokens: 30, outputTokens: 6 });
      if (kind === 'openai') expect(j.usage.costUsd).toBeCloseTo(0.0075, 6);
      expect(fake.chatRequests).toHaveLength(3);
      for (const q of fake.chatRequests) expect(q.body.max_tokens ?? q.body.max_completion_tokens).toBe(777);
      // The session is kept: the last request's calls all had results.
      const last = fake.chatRequests[2]?.body;
      expect(toolResults(kind, last)).toHaveLength(2);
    },
  );
});

describe.concurrent('more transient errors', () => {
  it.for([
    ['openai', 503],
    ['anthropic', 529],
    ['ollama', 502],
  ] as const)('%s: a %i is retried and the answer arrives', async ([kind, status], t) => {
    const { box, fake, env } = await setup(t, kind, [{ status }, { text: 'after the retry' }], `st-${kind}`);
    const r = await aios(box, ['chat', 'hi'], env);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('after the retry\n');
    expect(fake.chatRequests).toHaveLength(2);
  });
});

describe.concurrent('big tool output', () => {
  it('reaches the model capped with a note saying so, and the turn goes on', async (t) => {
    const { box, fake, env } = await setup(
      t,
      'openai',
      [
        {
          toolCalls: [
            {
              name: 'bash',
              args: { command: 'echo HEAD; head -c 300000 /dev/zero | tr "\\0" a; echo; echo TAIL' },
            },
          ],
        },
        { text: 'big' },
      ],
      'big',
    );
    const r = await aios(box, ['chat', 'print a lot'], env);
    expect(r.code, r.err).toBe(0);
    const result = toolResults('openai', fake.chatRequests[1]?.body)[0]?.content ?? '';
    expect(result.length).toBeLessThanOrEqual(16_000);
    expect(result).toContain('HEAD');
    expect(result).toMatch(/cut|truncated/);
    expect(r.out).toContain('big');
  });
});

describe.concurrent('tool calls the loop cannot run are results, and the turn goes on', () => {
  it('an unknown tool and unparsable arguments are refused with a rule; the model recovers', async (t) => {
    const { box, fake, env } = await setup(
      t,
      'openai',
      [
        {
          toolCalls: [
            { name: 'format_disk', args: { device: '/dev/sda' } },
            { name: 'write_file', args: '{"path": "/etc/x", "content": ' },
          ],
        },
        { toolCalls: [{ name: 'write_file', args: { path: '/etc/x', content: 'fixed\n' } }] },
        { text: 'Done properly.' },
      ],
      'badcalls',
    );
    const r = await aios(box, ['chat', 'do it', '--json'], env);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.tool_calls.slice(0, 2)).toMatchObject([
      { tool: 'format_disk', verdict: 'deny', rule: 'agent:unknown-tool', ok: false },
      { tool: 'write_file', verdict: 'deny', rule: 'agent:bad-arguments', ok: false },
    ]);
    expect(j.text).toBe('Done properly.');
    expect(fs.readFileSync(rootFile(box, '/etc/x'), 'utf8')).toBe('fixed\n');
    const results = toolResults('openai', fake.chatRequests[1]?.body);
    expect(results[0]?.content).toContain('no tool named "format_disk"');
    expect(results[1]?.content).toContain('not a JSON object');
  });
});

describe.concurrent('tool call ids a careless server repeats', () => {
  it('each call still gets its own result, under an id unique in the conversation', async (t) => {
    const { box, fake, env } = await setup(
      t,
      'openai',
      [
        {
          toolCalls: [
            { name: 'read_file', args: { path: '/etc/one' }, id: 'dup' },
            { name: 'read_file', args: { path: '/etc/two' }, id: 'dup' },
          ],
        },
        { toolCalls: [{ name: 'read_file', args: { path: '/etc/one' }, id: 'dup' }] },
        { text: 'read both' },
      ],
      'dup-ids',
    );
    fs.writeFileSync(rootFile(box, '/etc/one'), 'first file\n');
    fs.writeFileSync(rootFile(box, '/etc/two'), 'second file\n');
    const r = await aios(box, ['chat', 'read them'], env);
    expect(r.code, r.err).toBe(0);
    const last = fake.chatRequests[2]?.body;
    const calls = assistantCalls('openai', last);
    const results = toolResults('openai', last);
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.id)).size).toBe(3);
    expect(results.map((x) => x.id)).toEqual(calls.map((c) => c.id));
    expect(results.map((x) => x.content.includes('first file'))).toEqual([true, false, true]);
    expect(results[1]?.content).toContain('second file');
    // Continued later, the stored conversation pairs the same way.
    fake.push({ text: 'again' });
    const c = await aios(box, ['chat', 'and?', '--continue'], env);
    expect(c.code, c.err).toBe(0);
    const replay = fake.chatRequests[3]?.body;
    expect(toolResults('openai', replay).map((x) => x.content.includes('second file'))).toEqual([
      false,
      true,
      false,
    ]);
  });
});

describe.concurrent('the root stays the root', () => {
  it('a write through a link in the root that points at a host path stays inside the root', async (t) => {
    const { box, env } = await setup(
      t,
      'openai',
      [
        { toolCalls: [{ name: 'write_file', args: { path: '/etc/escape/pwned', content: 'x\n' } }] },
        { text: 'done' },
      ],
      'link',
    );
    const outside = path.join(box.dir, 'outside');
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, rootFile(box, '/etc/escape'));
    const r = await aios(box, ['chat', 'write through the link'], env);
    expect(r.code, r.err).toBe(0);
    expect(fs.existsSync(path.join(outside, 'pwned'))).toBe(false);
  });
});

describe.concurrent('confirmations and reviews in process', () => {
  it('a failing security review is a confirm, which without a terminal is declined: not written', async (t) => {
    const { box, fake, env } = await setup(
      t,
      'anthropic',
      (req) => {
        if (systemText('anthropic', req.body).startsWith('You are the security reviewer'))
          return { status: 400, errorMessage: 'reviewer broke' };
        if (toolResults('anthropic', req.body).length === 0)
          return { toolCalls: [{ name: 'write_file', args: { path: '/etc/reviewed', content: 'x\n' } }] };
        return { text: 'It was not approved.' };
      },
      'review-fails',
      { securityAgent: true },
    );
    const r = await aios(box, ['chat', 'write it'], env);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('→ write_file /etc/reviewed  [confirm · agent:security-review]');
    expect(r.out).toContain('It was not approved.');
    expect(fs.existsSync(rootFile(box, '/etc/reviewed'))).toBe(false);
    const last = toolResults('anthropic', fake.chatRequests.at(-1)?.body).at(-1);
    expect(last?.content).toMatch(/NOT RUN.*declined/s);
    expect(last?.isError).toBe(true);
  });

  it('a confirm rule in process: declined without a terminal, run with --yes', async (t) => {
    const write = (p: string) => ({
      toolCalls: [{ name: 'write_file', args: { path: p, content: 'deploy ALL=(ALL) /bin/true\n' } }],
    });
    const { box, env } = await setup(
      t,
      'openai',
      [write('/etc/sudoers.d/no'), { text: 'declined' }, write('/etc/sudoers.d/yes'), { text: 'written' }],
      'confirm',
    );
    fs.mkdirSync(rootFile(box, '/etc/sudoers.d'));
    const no = await aios(box, ['chat', 'add it'], env);
    expect(no.code, no.err).toBe(0);
    expect(no.out).toContain('[confirm · builtin:auth-files-tool-write]');
    expect(no.err).toContain('needs confirmation');
    expect(fs.existsSync(rootFile(box, '/etc/sudoers.d/no'))).toBe(false);
    const yes = await aios(box, ['chat', 'add it', '--yes'], env);
    expect(yes.code, yes.err).toBe(0);
    expect(fs.readFileSync(rootFile(box, '/etc/sudoers.d/yes'), 'utf8')).toBe('deploy ALL=(ALL) /bin/true\n');
  });
});

describe.concurrent('a deny is final', () => {
  it('an approval queued before a deny rule was added never runs once the daemon has the rule', async (t) => {
    const { box, env } = await setup(
      t,
      'openai',
      [
        {
          toolCalls: [
            { name: 'write_file', args: { path: '/etc/sudoers.d/late', content: 'x ALL=(ALL) ALL\n' } },
          ],
        },
        { text: 'queued' },
      ],
      'late-deny',
    );
    fs.mkdirSync(rootFile(box, '/etc/sudoers.d'));
    const policies = path.join(box.dir, 'policies');
    fs.mkdirSync(policies);
    const daemon = await startDaemon(box, env);
    t.onTestFinished(() => daemon.kill());
    const r = await aios(box, ['chat', 'let x sudo'], env);
    expect(r.out).toMatch(/queued for approval/);
    const held = JSON.parse((await aios(box, ['approvals', '--json'], env)).out) as { id: string }[];
    expect(held).toHaveLength(1);
    fs.writeFileSync(
      path.join(policies, 'no-sudoers.toml'),
      '[[rule]]\nid = "no-sudoers"\ndescription = "no sudoers edits"\nverdict = "deny"\ntool = ["write_file"]\n' +
        'writes_any = ["/etc/sudoers.d/**"]\nmatch = [{ tool = "write_file", path = "/etc/sudoers.d/a" }]\n',
    );
    daemon.signal('SIGHUP');
    const deadline = Date.now() + 10_000;
    while (!daemon.log().includes('(SIGHUP)') && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 50));
    const a = await aios(box, ['approve', held[0]?.id ?? ''], env);
    expect(a.code).toBe(1);
    expect(a.out + a.err).toContain('user:no-sudoers');
    expect(fs.existsSync(rootFile(box, '/etc/sudoers.d/late'))).toBe(false);
  });
});

describe.concurrent('a session continued on another provider', () => {
  // Found here: stored ids went to Anthropic verbatim, and its API rejects any id not matching
  // ^[a-zA-Z0-9_-]+$ (400 "tool_use.id: String should match pattern"; the fake does not check it).
  // The loop now gives every call an id of that alphabet when it is made.
  it('sends Anthropic only tool ids of its alphabet, each result under its call id', async (t) => {
    const { box, fake, env } = await setup(
      t,
      'openai',
      [
        { toolCalls: [{ name: 'list_dir', args: { path: '/etc' }, id: 'functions.list_dir:0' }] },
        { text: 'listed' },
      ],
      'switch',
    );
    const claude = await fakeFor(t, 'anthropic', [{ text: 'continued on claude' }]);
    {
      const first = await aios(box, ['chat', 'list /etc'], env);
      expect(first.code, first.err).toBe(0);
      expect(fake.chatRequests).toHaveLength(2);
      const next = await aios(box, ['chat', 'and now?', '--continue', '--provider', 'anthropic'], {
        ...env,
        ANTHROPIC_API_KEY: 'sk-ant-scenario-0123456789',
        ANTHROPIC_BASE_URL: claude.url,
      });
      expect(next.code, next.err).toBe(0);
      const body = claude.chatRequests[0]?.body;
      const calls = assistantCalls('anthropic', body);
      expect(calls).toHaveLength(1);
      expect(toolResults('anthropic', body).map((r) => r.id)).toEqual(calls.map((c) => c.id));
      for (const c of calls) expect(c.id).toMatch(/^[a-zA-Z0-9_-]+$/);
    }
  });
});

describe.concurrent('Ctrl-C', () => {
  // The abort reaches the process: the runner sends SIGTERM (which timeout(1) forwards to the
  // command), so the command's effect never happens and the turn ends at once.
  it('during a running bash tool stops the command and ends the turn at once', async (t) => {
    const { box, fake, env } = await setup(
      t,
      'openai',
      [{ toolCalls: [{ name: 'bash', args: { command: 'sleep 3; touch late-marker' } }] }, { text: 'after' }],
      'ctrl-c',
    );
    const child = spawn(process.execPath, [AIOS, 'chat', 'slow', '--config', box.config], {
      env,
      cwd: box.dir,
    });
    let out = '';
    let signalledAt = 0;
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (!signalledAt && out.includes('→ bash sleep 3')) {
        signalledAt = Date.now();
        setTimeout(() => child.kill('SIGINT'), 200);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const tookMs = Date.now() - signalledAt;
    await new Promise((r) => setTimeout(r, Math.max(0, 3_800 - tookMs)));
    expect(code).toBe(1);
    expect(fs.existsSync(rootFile(box, '/late-marker'))).toBe(false);
    expect(tookMs).toBeLessThan(2_000);
    expect(fake.chatRequests).toHaveLength(1);
  });
});
