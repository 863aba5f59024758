// `aios snapshot [--description T] [--json]`: take a manual snapshot now. Manual snapshots are
// pinned: retention never deletes them (`aios snapshot delete ID` does).
import type { CommandRun } from '../command.js';
import { paint, printJson } from '../io.js';
import { snapshotBackend } from '../snapshot-backend.js';
import { formatBytes } from './snapshots.js';

const run: CommandRun = async (args, io) => {
  const backend = await snapshotBackend(args, io);
  try {
    const started = performance.now();
    const description = typeof args.description === 'string' ? args.description : '';
    const { skipped, ...s } = await backend.create(description);
    const ms = Math.round(performance.now() - started);
    if (args.json) {
      printJson(io, { ...s, durationMs: ms });
      return 0;
    }
    io.out(
      `${paint(io, 'green', 'snapshot')} ${paint(io, 'bold', s.id)}: ${s.files} entries, ${s.changed} changed, ` +
        `${formatBytes(s.bytes)} (${ms} ms)`,
    );
    if (skipped.length > 0) {
      io.err(`aios: skipped ${skipped.length}: ${skipped.slice(0, 5).join(', ')}`);
    }
    return 0;
  } finally {
    backend.close();
  }
};

export default run;
