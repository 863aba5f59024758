// `aios history [--limit N] [--kind K] [--json]`: the newest records of memory (commands, chats,
// tool calls, decisions, reconcile runs, resource events, audit rows), newest first. Reads only.
import { openMemory } from '../../src/memory/memory-store.js';
import type { HistoryEntry } from '../../src/memory/memory-types.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandRun } from '../command.js';
import { delegateTo } from '../daemon-link.js';
import { paint, printJson } from '../io.js';
import { kindArg, limitArg, shortTime } from './memory-args.js';

const run: CommandRun = async (args, io) => {
  const kind = kindArg(args.kind);
  const limit = limitArg(args.limit, 50);
  const { paths } = await loadCliConfig(args);
  const options = kind === undefined ? { limit } : { limit, kind };
  let entries: HistoryEntry[];
  const call = await delegateTo(args, paths);
  if (call) entries = (await call('history', options)) as HistoryEntry[];
  else {
    const mem = openMemory(paths.memoryPath);
    try {
      entries = mem.history(options);
    } finally {
      mem.close();
    }
  }
  if (args.json) {
    printJson(io, entries);
    return 0;
  }
  if (entries.length === 0) {
    io.out(paint(io, 'dim', `no history yet${kind ? ` of kind ${kind}` : ''} (${paths.memoryPath})`));
    return 0;
  }
  const lines = entries.map(
    (e) =>
      `${paint(io, 'dim', shortTime(e.ts))}  ${paint(io, 'cyan', e.kind.padEnd(9))}  ${e.text.replace(/\s*\n\s*/g, ' ')}`,
  );
  io.out(lines.join('\n'));
  return 0;
};

export default run;
