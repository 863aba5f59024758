// `aios snapshot [--description T] [--json]`: take a manual snapshot now. Manual snapshots are
// pinned: retention never deletes them (`aios snapshot delete ID` does).
import type { CommandRun } from '../command.js';
import { paint, printJson } from '../io.js';
import { formatBytes, openStoreFromArgs } from './snapshots.js';

const run: CommandRun = async (args, io) => {
  const store = await openStoreFromArgs(args, io);
  try {
    const started = performance.now();
    const description = typeof args.description === 'string' ? args.description : '';
    const s = await store.snapshot({ kind: 'manual', description, trigger: 'cli' });
    const ms = Math.round(performance.now() - started);
    if (args.json) {
      printJson(io, { ...s, durationMs: ms, storeDir: store.storeDir });
      return 0;
    }
    io.out(
      `${paint(io, 'green', 'snapshot')} ${paint(io, 'bold', s.id)}: ${s.files} entries, ${s.changed} changed, ` +
        `${formatBytes(s.bytes)} (${ms} ms)`,
    );
    const detail = store.get(s.id);
    if (detail.skipped.length > 0) {
      io.err(`aios: skipped ${detail.skipped.length}: ${detail.skipped.slice(0, 5).join(', ')}`);
    }
    return 0;
  } finally {
    store.close();
  }
};

export default run;
