// `aios shell [--provider P] [--model M] [--yes]`: an interactive agent session. Each line is a turn
// of one conversation (the session continues until /new); /help, /new, /sessions, /mode, /exit.
// Ctrl-C cancels the turn in flight (never the shell); Ctrl-D or /exit leaves. History lives in
// <data_dir>/shell_history, redacted like memory. Works with piped stdin (no prompt is printed
// then), which is how it is tested. /mode only shows the effective security mode: a shell never
// changes policy (docs/decisions/121).
import fs from 'node:fs';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline/promises';
import type { TurnResult } from '../../src/agents/agent-types.js';
import type { SecurityMode } from '../../src/config/schema.js';
import { redact } from '../../src/memory/redact.js';
import { createTurnRenderer, sessionFooter } from '../agent-render.js';
import { type BackendOptions, type ChatBackend, openChatBackend, providerArg } from '../chat-backend.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandArgs } from '../command.js';
import { type Io, paint } from '../io.js';

export interface ShellArgs extends CommandArgs {
  provider?: string;
  model?: string;
  yes?: boolean;
}

export interface ShellStreams {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** stdin is a terminal: prompts, Ctrl-C through readline. */
  terminal: boolean;
}

export const HISTORY_FILE = 'shell_history';
const HISTORY_LINES = 500;

const MODE_MEANING: Record<string, string> = {
  safe: 'every write and exec asks for confirmation',
  normal: 'dangerous commands are denied, critical ones ask for confirmation',
  paranoid: 'only allow-listed commands run, and they ask for confirmation',
  trusted: 'everything runs except what a deny rule forbids',
};

const HELP = [
  'Type a question or a request; the agent answers, and its tool calls go through the policy gate.',
  '  /help            this help',
  '  /new             start a new conversation',
  '  /sessions        recent conversations (continue one: aios chat --session ID "…")',
  '  /mode            the effective security mode (changing it is not possible from the shell)',
  '  /exit            leave (or Ctrl-D); Ctrl-C cancels the answer in progress',
].join('\n');

export default function shell(args: ShellArgs, io: Io): Promise<number> {
  return runShell(args, io, {
    input: process.stdin,
    output: process.stdout,
    terminal: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  });
}

export async function runShell(
  args: ShellArgs,
  io: Io,
  streams: ShellStreams,
  inject: Pick<BackendOptions, 'openService'> = {},
): Promise<number> {
  const provider = providerArg(args.provider);
  const cfg = await loadCliConfig(args);
  for (const w of cfg.loaded.warnings) io.err(`aios: warning: ${w}`);
  const mode = cfg.loaded.config.security.mode as SecurityMode;
  const historyFile = path.join(cfg.paths.dataDir, HISTORY_FILE);
  const backend = await openChatBackend(args, cfg, io, {
    source: 'shell',
    yes: Boolean(args.yes),
    ...inject,
  });
  const rl = createInterface({
    input: streams.input,
    output: streams.output,
    terminal: streams.terminal,
    history: streams.terminal ? readHistory(historyFile) : [],
    historySize: HISTORY_LINES,
    removeHistoryDuplicates: true,
  });
  // Taken at once: lines that arrive before the loop starts (piped input) are buffered, not lost.
  const lines = rl[Symbol.asyncIterator]();
  const scrub = (text: string) => backend.scrub(text);
  let sessionId: string | undefined;
  let turn: AbortController | undefined;
  let exit = 0;

  // Ctrl-C: cancel the turn in flight; at the prompt it only says how to leave.
  const onInterrupt = () => {
    if (turn) {
      turn.abort();
      return;
    }
    if (streams.terminal) {
      io.err('(Ctrl-D or /exit leaves the shell)');
      rl.write(null, { ctrl: true, name: 'u' });
      rl.prompt();
    } else {
      // Not a terminal (a script): an interrupt between turns ends the input, like a Ctrl-D.
      rl.close();
    }
  };
  rl.on('SIGINT', onInterrupt);
  process.on('SIGINT', onInterrupt);

  if (streams.terminal) {
    io.err(
      paint(
        io,
        'dim',
        `aios shell (${backend.where === 'daemon' ? 'through the daemon' : 'in process'}; mode ${mode}). /help for help, Ctrl-D to leave.`,
      ),
    );
  }
  rl.setPrompt(streams.terminal ? paint(io, 'cyan', 'aios> ') : '');
  if (streams.terminal) rl.prompt();

  try {
    for await (const raw of { [Symbol.asyncIterator]: () => lines }) {
      const line = raw.trim();
      if (line && streams.terminal) appendHistory(historyFile, line);
      if (!line) {
        if (streams.terminal) rl.prompt();
        continue;
      }
      if (line.startsWith('/')) {
        const [command = '', ...rest] = line.slice(1).split(/\s+/);
        if (command === 'exit' || command === 'quit') break;
        await slashCommand(command, rest, { io, backend, mode, reset: () => (sessionId = undefined) });
      } else {
        turn = new AbortController();
        const result = await askOnce(io, rl, streams, backend, {
          text: line,
          sessionId,
          provider,
          model: args.model,
          signal: turn.signal,
          scrub,
        }).finally(() => {
          turn = undefined;
        });
        // A failed turn is reported and the shell goes on; its exit code remembers it.
        if (!result || result.finish === 'error') exit = 1;
        if (result?.sessionId) sessionId = result.sessionId;
      }
      if (streams.terminal) rl.prompt();
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    rl.close();
    backend.close();
  }
  return exit;
}

interface Ask {
  text: string;
  sessionId: string | undefined;
  provider: ReturnType<typeof providerArg>;
  model: string | undefined;
  signal: AbortSignal;
  scrub: (text: string) => string;
}

async function askOnce(
  io: Io,
  rl: Interface,
  streams: ShellStreams,
  backend: ChatBackend,
  ask: Ask,
): Promise<TurnResult | undefined> {
  const render = createTurnRenderer(io, {
    scrub: ask.scrub,
    ...(streams.terminal ? { raw: (t: string) => void streams.output.write(t) } : {}),
  });
  let printedError: string | undefined;
  try {
    const result = await backend.turn(
      {
        text: ask.text,
        ...(ask.sessionId ? { sessionId: ask.sessionId } : {}),
        ...(ask.provider ? { provider: ask.provider } : {}),
        ...(ask.model ? { model: ask.model } : {}),
      },
      {
        onEvent: (e) => {
          if (e.type === 'error') printedError = e.message;
          render.onEvent(e);
        },
        beforePrompt: () => render.flush(),
        // A confirmation reads its answer from the shell's own line editor, not a second one.
        // Ctrl-C during the question cancels the turn, and the question with it.
        ...(streams.terminal ? { ask: (q: string) => rl.question(q, { signal: ask.signal }) } : {}),
        signal: ask.signal,
      },
    );
    render.finish(result);
    if (result.finish === 'error' && result.error !== printedError)
      io.err(ask.scrub(`aios: ${result.error ?? 'failed'}`));
    if (!ask.sessionId && result.sessionId) io.err(sessionFooter(io, result));
    return result;
  } catch (error) {
    // One failed turn (no key, server down) is reported; the shell stays.
    render.flush();
    io.err(ask.scrub(`aios: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`));
    return undefined;
  }
}

async function slashCommand(
  command: string,
  rest: string[],
  ctx: { io: Io; backend: ChatBackend; mode: SecurityMode; reset: () => void },
): Promise<void> {
  const { io } = ctx;
  switch (command) {
    case 'help':
    case '?':
      io.out(HELP);
      return;
    case 'new':
      ctx.reset();
      io.out('a new conversation starts with your next line');
      return;
    case 'sessions': {
      const list = await ctx.backend.sessions(10).catch((e: unknown) => {
        io.err(`aios: ${e instanceof Error ? e.message : String(e)}`);
        return [];
      });
      if (list.length === 0) io.out('no sessions yet');
      for (const s of list) io.out(`${paint(io, 'bold', s.id)}  ${s.ts}  ${s.title ?? ''}`);
      return;
    }
    case 'mode':
      io.out(`security mode: ${ctx.mode} (${MODE_MEANING[ctx.mode] ?? 'see policies/README.md'})`);
      if (rest.length > 0) {
        io.out(
          'the mode cannot be changed from the shell: set [security] mode in the config (or ' +
            'AIOS_SECURITY__MODE) so every command and the daemon agree on it',
        );
      }
      return;
    default:
      io.out(`unknown command /${command}; /help lists them`);
  }
}

function readHistory(file: string): string[] {
  try {
    // readline wants the newest first.
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-HISTORY_LINES).reverse();
  } catch {
    return [];
  }
}

function appendHistory(file: string, line: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // Redacted like memory: a key pasted into the shell must not stay on disk in clear.
    fs.appendFileSync(file, `${redact(line).replace(/\n/g, ' ')}\n`, { mode: 0o600 });
  } catch {
    // history is a convenience; a read-only data dir must not break the shell
  }
}
