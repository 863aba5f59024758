import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatIo, ChatRequest } from '../../../src/agents/agent-types.js';
import {
  DIAGNOSIS_PREFIX,
  diagnosisPrompt,
  lastConversation,
  readOnlyRegistry,
  SystemAgent,
} from '../../../src/agents/system-agent.js';
import { type MemoryStore, openMemory } from '../../../src/memory/memory-store.js';
import { createBuiltinRegistry } from '../../../src/tools/registry.js';
import { fakeService, text } from './surface-doubles.js';

let dir: string;
let mem: MemoryStore;
beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'aios-sysagent-'));
  mem = openMemory(path.join(dir, 'memory.db'));
});
afterEach(async () => {
  mem.close();
  await fs.promises.rm(dir, { recursive: true, force: true });
});

function failing(resource: string, message = 'write failed: EACCES') {
  mem.recordEvent({ resourceId: resource, status: 'failed', label: 'aios', message });
}

/** A service that stores a turn the way the real one does: a new session titled by the first line. */
function recordingService() {
  const asked: { req: ChatRequest; io: ChatIo }[] = [];
  const svc = fakeService(() => [text('Cause: the directory is read-only.')]);
  const chat = svc.chat.bind(svc);
  svc.chat = async (req, io) => {
    asked.push({ req, io });
    const r = await chat(req, io);
    const sessionId = mem.createSession({ title: req.text.split('\n')[0] ?? '' });
    mem.addMessage({ sessionId, role: 'user', content: req.text });
    mem.addMessage({ sessionId, role: 'assistant', content: r.text });
    return { ...r, sessionId };
  };
  return { svc, asked };
}

describe('the system agent', () => {
  it('offers only read tools', () => {
    const all = createBuiltinRegistry();
    const ro = readOnlyRegistry(all);
    expect(ro.list().length).toBeGreaterThan(0);
    expect(ro.list().every((t) => t.effect === 'read')).toBe(true);
    expect(ro.get('bash')).toBeUndefined();
    expect(ro.get('write_file')).toBeUndefined();
    expect(ro.jsonSchemas().map((s) => s.name)).toEqual(ro.list().map((t) => t.name));
  });

  it('diagnoses a resource that fails after it started, in a session titled for it', async () => {
    failing('file:/etc/old'); // before start: not news
    const { svc, asked } = recordingService();
    const agent = new SystemAgent({ memory: mem, openService: async () => svc, pollMs: 60_000 });
    agent.start();
    failing('file:/etc/motd');
    agent.poll();
    await agent.idle();
    await agent.stop();
    expect(asked).toHaveLength(1);
    expect(asked[0]?.req.text).toContain('file:/etc/motd failed to reconcile: write failed: EACCES');
    expect(asked[0]?.req.source).toBe('system-agent');
    expect(asked[0]?.req.sessionId).toBeUndefined();
    const session = mem.latestSession();
    expect(session?.title).toBe(`${DIAGNOSIS_PREFIX}file:/etc/motd`);
    expect(mem.messages(session?.id ?? '').at(-1)?.content).toBe('Cause: the directory is read-only.');
  });

  it('answers any confirmation with no: it never applies anything', async () => {
    const { svc, asked } = recordingService();
    const agent = new SystemAgent({ memory: mem, openService: async () => svc, pollMs: 60_000 });
    agent.start();
    failing('service:nginx');
    agent.poll();
    await agent.idle();
    await agent.stop();
    const answer = await asked[0]?.io.confirm(
      { tool: 'read_file', args: { path: '/etc/shadow' }, reason: 'x' },
      { verdict: 'confirm', rule: 'r', reason: 'sensitive' },
    );
    expect(answer).toEqual({ outcome: 'denied' });
  });

  it('diagnoses a resource at most once per window, and each resource on its own', async () => {
    let now = 1_000_000;
    const { svc, asked } = recordingService();
    const agent = new SystemAgent({
      memory: mem,
      openService: async () => svc,
      pollMs: 60_000,
      minGapMs: 600_000,
      now: () => now,
    });
    agent.start();
    const round = async () => {
      agent.poll();
      await agent.idle();
    };
    failing('file:/a');
    failing('file:/a');
    failing('file:/b');
    await round();
    failing('file:/a');
    now += 60_000;
    await round();
    now += 600_000;
    failing('file:/a');
    await round();
    await agent.stop();
    expect(asked.map((a) => a.req.text.match(/resource (\S+)/)?.[1])).toEqual([
      'file:/a',
      'file:/b',
      'file:/a',
    ]);
  });

  it('keeps its rate limit across a successor that shares the map (a config reload)', async () => {
    const { svc, asked } = recordingService();
    const lastRun = new Map<string, number>();
    const first = new SystemAgent({ memory: mem, openService: async () => svc, pollMs: 60_000, lastRun });
    first.start();
    failing('file:/a');
    first.poll();
    await first.idle();
    await first.stop();
    const second = new SystemAgent({ memory: mem, openService: async () => svc, pollMs: 60_000, lastRun });
    second.start();
    failing('file:/a');
    second.poll();
    await second.idle();
    await second.stop();
    expect(asked).toHaveLength(1);
  });

  it('takes drift (a change outside aios) as a reason too', async () => {
    const { svc, asked } = recordingService();
    const agent = new SystemAgent({ memory: mem, openService: async () => svc, pollMs: 60_000 });
    agent.start();
    mem.recordEvent({
      resourceId: 'file:/etc/hosts',
      status: 'drift',
      label: 'external',
      message: 'changed outside aios',
      diff: '-a\n+b\n',
    });
    mem.recordEvent({ resourceId: 'file:/etc/hosts', status: 'applied', label: 'aios' });
    agent.poll();
    await agent.idle();
    await agent.stop();
    expect(asked).toHaveLength(1);
    expect(asked[0]?.req.text).toContain('drifted');
    expect(asked[0]?.req.text).toContain('-a\n+b');
  });

  it('keeps going when a diagnosis fails (no key), and logs it', async () => {
    const logs: string[] = [];
    const agent = new SystemAgent({
      memory: mem,
      openService: async () => {
        throw new Error('OPENAI_API_KEY is not set');
      },
      pollMs: 60_000,
      log: (level, m) => logs.push(`${level} ${m}`),
    });
    agent.start();
    failing('file:/x');
    agent.poll();
    await agent.idle();
    await agent.stop();
    expect(logs).toContain('warn diagnosis of file:/x failed: OPENAI_API_KEY is not set');
    // No empty diagnosis is left behind.
    expect(mem.latestSession()).toBeUndefined();
  });

  it('the prompt asks for a proposal and says nothing will be applied', () => {
    const p = diagnosisPrompt({
      eventId: 1,
      resource: 'package:nginx',
      status: 'failed',
      message: 'E: no candidate',
    });
    expect(p).toMatch(/read-only tools/);
    expect(p).toMatch(/nothing you propose is\napplied/);
    expect(p).toContain('Proposed fix');
  });

  it('lastConversation skips diagnosis sessions', () => {
    const sessions = [
      { id: 'd', title: `${DIAGNOSIS_PREFIX}file:/x`, ts: '' },
      { id: 'c', title: 'hello', ts: '' },
    ];
    expect(lastConversation({ sessions: () => sessions })).toBe('c');
    expect(lastConversation({ sessions: () => [] })).toBeUndefined();
  });
});
