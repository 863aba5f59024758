import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HISTORY_FILE, runShell } from '../../../cli/commands/shell.js';
import { fakeService, recordingIo, text } from './surface-doubles.js';

let dir: string;
let config: string;
beforeEach(async () => {
  dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'aios-shell-cmd-'));
  config = path.join(dir, 'config.toml');
  fs.writeFileSync(
    config,
    `[aios]\ndata_dir = "${dir}/data"\n[memory]\npath = "${dir}/memory.db"\n[security]\nmode = "safe"\n`,
  );
});
afterEach(async () => {
  await fs.promises.rm(dir, { recursive: true, force: true });
});

const args = () => ({ config, json: false, color: false, verbose: false });

function piped(lines: string[]) {
  const input = new PassThrough();
  const output = new PassThrough();
  input.end(lines.map((l) => `${l}\n`).join(''));
  return { input, output, terminal: false };
}

describe('aios shell (piped stdin)', () => {
  it('answers /help, a question, /sessions and /exit, and keeps one conversation', async () => {
    const svc = fakeService((req) => [text(`answer to ${req.text}`)]);
    const rec = recordingIo();
    const code = await runShell(
      args(),
      rec.io,
      piped(['/help', 'what runs here?', 'and now?', '/sessions', '/exit', 'never asked']),
      { openService: async () => svc },
    );
    expect(code).toBe(0);
    const out = rec.stdout();
    expect(out).toContain('/new');
    expect(out).toContain('answer to what runs here?\n');
    expect(out).toContain('answer to and now?\n');
    expect(out).toMatch(/^s1 {2}\S+ {2}what runs here\?$/m);
    // The second line continues the first one's session; nothing after /exit is asked.
    expect(svc.requests.map((r) => [r.text, r.sessionId])).toEqual([
      ['what runs here?', undefined],
      ['and now?', 's1'],
    ]);
    expect(svc.requests[0]?.source).toBe('shell');
    expect(svc.closed).toBe(true);
  });

  it('/new starts a new session', async () => {
    const svc = fakeService(() => [text('ok')]);
    await runShell(args(), recordingIo().io, piped(['one', '/new', 'two']), { openService: async () => svc });
    expect(svc.requests.map((r) => r.sessionId)).toEqual([undefined, undefined]);
    expect(svc.sessions().map((s) => s.id)).toEqual(['s2', 's1']);
  });

  it('/mode shows the effective mode and refuses to change it', async () => {
    const rec = recordingIo();
    await runShell(args(), rec.io, piped(['/mode', '/mode trusted']), {
      openService: async () => fakeService(() => []),
    });
    expect(rec.stdout()).toContain('security mode: safe (every write and exec asks for confirmation)');
    expect(rec.stdout()).toContain('the mode cannot be changed from the shell');
  });

  it('exits at the end of input (Ctrl-D) and says so for unknown commands', async () => {
    const rec = recordingIo();
    const code = await runShell(args(), rec.io, piped(['/frobnicate']), {
      openService: async () => fakeService(() => []),
    });
    expect(code).toBe(0);
    expect(rec.stdout()).toContain('unknown command /frobnicate; /help lists them');
  });

  it('reports a failed turn in one line, carries on, and exits 1 at the end', async () => {
    let n = 0;
    const svc = fakeService(() => [text('fine')]);
    const chat = svc.chat.bind(svc);
    svc.chat = async (req, io) => {
      n++;
      if (n === 1) throw new Error('ANTHROPIC_API_KEY is not set\nmore');
      return chat(req, io);
    };
    const rec = recordingIo();
    const code = await runShell(args(), rec.io, piped(['first', 'second']), { openService: async () => svc });
    expect(code).toBe(1);
    expect(rec.stderr()).toContain('aios: ANTHROPIC_API_KEY is not set\n');
    expect(rec.stderr()).not.toContain('more');
    expect(rec.stdout()).toContain('fine');
  });

  it('cancels the turn in flight on SIGINT, not the shell', async () => {
    const svc = fakeService(() => [text('partial ')]);
    const chat = svc.chat.bind(svc);
    svc.chat = async (req, io) => {
      if (req.text === 'slow') {
        process.emit('SIGINT', 'SIGINT');
        await new Promise((r) => setTimeout(r, 10));
      }
      return chat(req, io);
    };
    const rec = recordingIo();
    const code = await runShell(args(), rec.io, piped(['slow', 'fast']), { openService: async () => svc });
    expect(code).toBe(0);
    expect(rec.stderr()).toContain('aios: turn cancelled');
    expect(svc.requests.map((r) => r.text)).toEqual(['slow', 'fast']);
    expect(rec.stdout()).toContain('partial');
  });

  it('writes no history file for piped input', async () => {
    await runShell(args(), recordingIo().io, piped(['hello']), {
      openService: async () => fakeService(() => [text('hi')]),
    });
    expect(fs.existsSync(path.join(dir, 'data', HISTORY_FILE))).toBe(false);
  });
});
