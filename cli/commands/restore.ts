// `aios restore ID [--dry-run] [--path P]... [--keep-new] [--resume]`: show what will change, take a
// pre-restore safety snapshot, then restore contents and metadata (per-file atomic replace) and
// remove files the snapshot did not have (unless --keep-new). `--resume` finishes a restore that
// was interrupted (its journal is in the store).
import { UserInputError } from '../../src/errors.js';
import type { RestoreReport } from '../../src/recovery/snapshot-store.js';
import type { CommandArgs, CommandRun } from '../command.js';
import { type Io, paint, printJson } from '../io.js';
import { snapshotBackend } from '../snapshot-backend.js';
import { openStoreFromArgs } from './snapshots.js';

function render(io: Io, r: RestoreReport): string {
  const out: string[] = [];
  if (r.resumed) out.push(paint(io, 'yellow', `finished the interrupted restore of ${r.resumed}`));
  for (const p of r.plan) {
    const colour = p.action === 'remove' ? 'red' : p.action === 'create' ? 'green' : 'yellow';
    out.push(
      paint(io, colour, `${r.dryRun ? 'would ' : ''}${p.action} ${p.path}${p.type === 'dir' ? '/' : ''}`),
    );
  }
  if (r.plan.length === 0) out.push(`nothing to restore: the live system matches ${r.snapshot}`);
  else if (r.dryRun)
    out.push(paint(io, 'dim', `dry run: nothing changed (${r.plan.length} changes planned)`));
  else {
    out.push(
      `restored ${r.restored.length} and removed ${r.removed.length} entries from ${r.snapshot}` +
        (r.preRestoreSnapshot ? `; undo with \`aios restore ${r.preRestoreSnapshot}\`` : ''),
    );
  }
  return out.join('\n');
}

const run: CommandRun = async (args, io) => {
  if (args.resume) return resume(args, io);
  const backend = await snapshotBackend(args, io);
  try {
    if (typeof args.id !== 'string' || args.id === '') {
      throw new UserInputError('usage: aios restore ID [--dry-run] [--path P]... [--keep-new] | --resume');
    }
    const paths = Array.isArray(args.path) ? args.path.map(String) : [];
    const report = await backend.restore(args.id, {
      dryRun: Boolean(args['dry-run'] ?? args.dryRun),
      keepNew: Boolean(args['keep-new'] ?? args.keepNew),
      paths,
    });
    return finish(io, args, report);
  } finally {
    backend.close();
  }
};

function finish(io: Io, args: CommandArgs, report: RestoreReport): number {
  if (args.json) printJson(io, report);
  else io.out(render(io, report));
  for (const p of report.problems) io.err(`aios: restore: ${p}`);
  return report.problems.length > 0 ? 1 : 0;
}

// Finishing an interrupted restore reads the store's journal, which lives with the store: it runs
// in-process, like `aios snapshot verify`.
async function resume(args: CommandArgs, io: Io): Promise<number> {
  const store = await openStoreFromArgs(args, io);
  try {
    const report = await store.resume('finish');
    if (!report) {
      if (args.json) printJson(io, { resumed: null });
      else io.out('no interrupted restore to resume');
      return 0;
    }
    return finish(io, args, report);
  } finally {
    store.close();
  }
}

export default run;
