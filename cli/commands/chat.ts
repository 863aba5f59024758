// `aios chat "TEXT" [--continue | --session ID] [--provider P] [--model M] [--yes] [--json]`: one
// agent turn. Streams the answer, shows each tool call with its verdict and rule, stores the session
// and ends with its id on stderr. `--json` prints one result object instead. Exit 0, or 1 with one
// line when the turn fails (a missing key, an unreachable server). Ctrl-C cancels the turn.
import { createInterface } from 'node:readline/promises';
import { AiosError, UserInputError } from '../../src/errors.js';
import { createTurnRenderer, sessionFooter, turnJson } from '../agent-render.js';
import { type BackendOptions, openChatBackend, providerArg, scrubValue } from '../chat-backend.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandArgs } from '../command.js';
import { type Io, printJson } from '../io.js';

export interface ChatArgs extends CommandArgs {
  text?: string;
  continue?: boolean;
  session?: string;
  provider?: string;
  model?: string;
  yes?: boolean;
}

export default function chat(args: ChatArgs, io: Io): Promise<number> {
  return runChat(args, io);
}

/** The command with an injectable service (tests of the rendering use a double). */
export async function runChat(
  args: ChatArgs,
  io: Io,
  inject: Pick<BackendOptions, 'openService'> = {},
): Promise<number> {
  const text = String(args.text ?? '').trim();
  if (!text) throw new UserInputError('aios chat needs a question or request: aios chat "TEXT"');
  if (args.continue && args.session)
    throw new UserInputError('give either --continue or --session ID, not both');
  const provider = providerArg(args.provider);
  const cfg = await loadCliConfig(args);
  for (const w of cfg.loaded.warnings) io.err(`aios: warning: ${w}`);

  const backend = await openChatBackend(args, cfg, io, {
    source: 'cli',
    yes: Boolean(args.yes),
    ...inject,
  });
  const live = !args.json;
  const scrub = (text: string) => backend.scrub(text);
  const render = createTurnRenderer(io, {
    scrub,
    ...(io.isTTY && live ? { raw: (t: string) => void process.stdout.write(t) } : {}),
  });
  let printedError: string | undefined;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    const result = await backend.turn(
      {
        text,
        ...(args.session ? { sessionId: args.session } : {}),
        ...(args.continue ? { continueLast: true } : {}),
        ...(provider ? { provider } : {}),
        ...(args.model ? { model: args.model } : {}),
      },
      {
        onEvent: (e) => {
          if (!live) return;
          if (e.type === 'error') printedError = e.message;
          render.onEvent(e);
        },
        beforePrompt: () => render.flush(),
        ...(io.stdinTTY ? { ask: (q: string) => askLine(q, abort) } : {}),
        signal: abort.signal,
      },
    );
    if (args.json) {
      printJson(io, scrubValue(turnJson(result), scrub));
      if (result.finish === 'error') io.err(scrub(`aios: ${oneLine(result.error ?? 'the turn failed')}`));
    } else {
      render.finish(result);
      if (result.finish === 'error' && result.error !== printedError)
        io.err(scrub(`aios: ${oneLine(result.error ?? 'the turn failed')}`));
      io.err(sessionFooter(io, result));
    }
    return result.finish === 'error' || result.finish === 'cancelled' ? 1 : 0;
  } catch (error) {
    // Provider and daemon failures are one line for a person, never a stack.
    if (error instanceof AiosError) throw error;
    if (error instanceof Error && (error.name === 'ProviderError' || error.name === 'AbortError'))
      throw new AiosError(oneLine(error.message));
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    render.flush();
    backend.close();
  }
}

/**
 * One answer line from the terminal. Ctrl-C while it waits cancels the turn (readline takes the
 * keystroke on a terminal, so the process never sees a SIGINT of its own).
 */
async function askLine(question: string, abort: AbortController): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  rl.on('SIGINT', () => abort.abort());
  try {
    return await rl.question(question, { signal: abort.signal });
  } finally {
    rl.close();
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
