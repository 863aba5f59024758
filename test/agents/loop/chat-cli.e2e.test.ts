// `aios chat` as the independent check runs it: the built CLI, in process (no daemon), with
// OPENAI_BASE_URL pointing at the loopback fake OpenAI server, against a temp --root. It proves the
// chat service is wired into the command: the gated loop, the stored session, --continue, and a
// planted key absent from output and memory.db.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeOpenAI } from '../../fixtures/fake-llm/fake-openai.js';
import { AIOS, isolatedEnv, makeSandbox, type Sandbox } from '../../runtime/daemon-harness.js';

const KEY = 'e2ePlantedKey0123456789abcdefXYZ';
let box: Sandbox;
let server: FakeServer;

beforeEach(async () => {
  box = await makeSandbox('aios-chat-e2e-');
  fs.mkdirSync(path.join(box.root, 'srv'));
});
afterEach(async () => {
  await server?.close();
  fs.rmSync(box.dir, { recursive: true, force: true });
});

/** Async (the fake server lives in this process, so the CLI must not block the event loop). */
function aios(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [AIOS, ...args, '--config', box.config], {
      env: isolatedEnv(box.dir, {
        OPENAI_BASE_URL: server.url,
        OPENAI_API_KEY: KEY,
        AIOS_NO_DAEMON: '1',
        NO_COLOR: '1',
      }),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      err += c;
    });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('aios chat through OPENAI_BASE_URL', () => {
  it('runs the gated loop, stores the session and continues it', async () => {
    server = await startFakeOpenAI(
      [
        { toolCalls: [{ name: 'bash', args: { command: 'rm -rf /usr' } }] },
        { toolCalls: [{ name: 'write_file', args: { path: '/srv/motd', content: 'hi\n' } }] },
        { text: `Done. (your key ${KEY} is safe)` },
        (req) => ({ text: `history had ${req.body.messages.length} messages` }),
      ],
      { apiKey: KEY },
    );
    const first = await aios(['chat', 'write the motd', '--json']);
    expect(first.err).not.toContain(KEY);
    expect(first.code).toBe(0);
    const result = JSON.parse(first.out);
    expect(result).toMatchObject({ finish: 'done' });
    expect(result.tool_calls.map((t: { verdict: string }) => t.verdict)).toEqual(['deny', 'allow']);
    expect(first.out).not.toContain(KEY);
    expect(fs.readFileSync(path.join(box.root, 'srv/motd'), 'utf8')).toBe('hi\n');

    const second = await aios(['chat', 'and then?', '--continue', '--json']);
    expect(second.code).toBe(0);
    const again = JSON.parse(second.out);
    expect(again.session_id).toBe(result.session_id);
    // system + user, assistant+tool ×2, assistant, user
    expect(again.text).toBe('history had 8 messages');

    const db = Buffer.concat(
      ['', '-wal']
        .map((s) => `${box.dir}/memory.db${s}`)
        .filter(fs.existsSync)
        .map((f) => fs.readFileSync(f)),
    );
    expect(db.includes(Buffer.from('write the motd'))).toBe(true);
    expect(db.includes(Buffer.from(KEY))).toBe(false);
  });
});
