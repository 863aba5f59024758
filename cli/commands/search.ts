// `aios search "TEXT" [--limit N] [--kind K] [--json]`: memory search, best match first, with
// snippets. Full text always; with `[llm] embedding_model` set and answering, vectors too, fused by
// reciprocal rank, and each hit says which search found it (fts / vector / both). Why a search is
// full-text only, and index news, go to stderr as one line each; the exit code stays 0.
// Delegates to the daemon when one serves the same tree, in-process otherwise.
import { chooseEmbedder, type MemorySearchResult, searchMemory } from '../../src/agents/semantic-search.js';
import { type HybridHit, openMemory } from '../../src/memory/memory-store.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandRun } from '../command.js';
import { delegateTo } from '../daemon-link.js';
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
  const options = { limit, mark: [OPEN, CLOSE] as const, ...(kind ? { kind } : {}) };
  let result: MemorySearchResult;
  const call = await delegateTo(args, paths);
  if (call) {
    // The daemon answers with the hits; how it searched comes first, as a notification.
    let meta: Partial<MemorySearchResult> = {};
    const hits = (await call('memory.search', { text, ...options }, (n) => {
      if (n !== null && typeof n === 'object' && 'mode' in n) meta = n as Partial<MemorySearchResult>;
    })) as HybridHit[];
    result = { query: text, mode: meta.mode ?? 'fulltext', notices: meta.notices ?? [], hits, ...pick(meta) };
  } else {
    const mem = openMemory(paths.memoryPath);
    try {
      // One retry: someone is waiting, and an unreachable server means full text anyway.
      result = await searchMemory(mem, chooseEmbedder(loaded.config, { maxRetries: 1 }), text, options);
    } finally {
      mem.close();
    }
  }
  if (result.reason) io.err(result.reason);
  for (const notice of result.notices) io.err(paint(io, 'dim', notice));

  if (args.json) {
    const hits = result.hits.map((h) => ({ ...h, snippet: h.snippet.replace(MARKED, '[$1]') }));
    printJson(io, { ...result, hits });
    return 0;
  }
  if (result.hits.length === 0) {
    io.out(`no matches for ${JSON.stringify(text)}`);
    return 0;
  }
  for (const h of result.hits) {
    const snippet = h.snippet
      .replace(/\s*\n\s*/g, ' ')
      .replace(MARKED, (_m, word: string) => (io.color ? paint(io, 'yellow', word) : `[${word}]`));
    const where = `${h.kind}#${h.id}`.padEnd(14);
    io.out(
      `${paint(io, 'dim', shortTime(h.ts))}  ${paint(io, 'cyan', where)}  ${paint(io, 'dim', h.source.padEnd(6))}  ${snippet}`,
    );
  }
  return 0;
};

function pick(meta: Partial<MemorySearchResult>): Pick<MemorySearchResult, 'reason' | 'model'> {
  return {
    ...(typeof meta.reason === 'string' ? { reason: meta.reason } : {}),
    ...(typeof meta.model === 'string' ? { model: meta.model } : {}),
  };
}

export default run;
