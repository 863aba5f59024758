// `aios search "TEXT" [--limit N] [--json]`: full-text search of memory, best match first, with
// snippets. Any text is accepted (FTS syntax is quoted by the store). Reads only.
import { openMemory } from '../../src/memory/memory-store.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandRun } from '../command.js';
import { paint, printJson } from '../io.js';
import { kindArg, limitArg, shortTime } from './memory-args.js';

// Private-use characters as highlight markers: they never occur in stored text, so a highlight
// cannot be confused with brackets inside a command.
const OPEN = '\u{E000}';
const CLOSE = '\u{E001}';
const MARKED = new RegExp(`${OPEN}(.*?)${CLOSE}`, 'gu');

const run: CommandRun = async (args, io) => {
  const text = String(args.text ?? '');
  const limit = limitArg(args.limit, 20);
  const kind = kindArg(args.kind);
  const { loaded, paths } = await loadCliConfig(args);
  const mem = openMemory(paths.memoryPath);
  let hits: ReturnType<typeof mem.search>;
  try {
    hits = mem.search(text, { limit, mark: [OPEN, CLOSE], ...(kind ? { kind } : {}) });
  } finally {
    mem.close();
  }
  if (args.json) {
    const plain = hits.map((h) => ({ ...h, snippet: h.snippet.replace(MARKED, '[$1]') }));
    printJson(io, { query: text, mode: 'fulltext', hits: plain });
    return 0;
  }
  const embeddings = loaded.config.llm.embedding_model;
  io.out(
    paint(
      io,
      'dim',
      embeddings
        ? `full-text only (embeddings for ${embeddings} are not indexed yet)`
        : 'full-text only (no embeddings configured)',
    ),
  );
  if (hits.length === 0) {
    io.out(`no matches for ${JSON.stringify(text)}`);
    return 0;
  }
  for (const h of hits) {
    const snippet = h.snippet
      .replace(/\s*\n\s*/g, ' ')
      .replace(MARKED, (_m, word: string) => (io.color ? paint(io, 'yellow', word) : `[${word}]`));
    io.out(
      `${paint(io, 'dim', shortTime(h.ts))}  ${paint(io, 'cyan', `${h.kind}#${h.id}`.padEnd(14))}  ${snippet}`,
    );
  }
  return 0;
};

export default run;
