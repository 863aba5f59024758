// Scenario 12 on a terminal (util-linux `script` gives the built CLI a pseudo-terminal): the answer
// is written as it arrives, mid-line, before the model has finished (the fake stalls after the
// first chunk), and what the terminal shows in the end is exactly the chunks joined.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AIOS, baseEnv, boxFor, fakeFor, PROVIDERS, providerEnv } from './scenario-harness.js';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe.concurrent.each(PROVIDERS)('12: streaming to a terminal with %s', (kind) => {
  it('shows the first chunk mid-line while the model stalls; the end result is the chunks joined', async (t) => {
    const box = await boxFor(t, 'tty');
    const chunks = ['Stream', 'ing works, ', 'chunk by chunk.'];
    const fake = await fakeFor(t, kind, [{ chunks, stallMs: 2000 }]);
    const env = baseEnv(box, { ...providerEnv(kind, fake), TERM: 'dumb' });
    const command = [process.execPath, AIOS, 'chat', 'stream please', '--config', box.config]
      .map(quote)
      .join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env });
    let out = '';
    let firstAt: number | undefined;
    const started = Date.now();
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (firstAt === undefined && out.includes('Stream')) firstAt = Date.now() - started;
    });
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const total = Date.now() - started;
    expect(code, out).toBe(0);
    // The first chunk (no newline in it) was on the terminal well before the stall ended.
    expect(firstAt).toBeDefined();
    expect(total - (firstAt ?? total)).toBeGreaterThan(1200);
    const shown = out.replace(/\r/g, '').replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    expect(shown).toContain(`${chunks.join('')}\n`);
    expect(fake.chatRequests[0]?.body.stream).toBe(true);
  });
});
