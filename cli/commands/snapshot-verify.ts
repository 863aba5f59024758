// `aios snapshot verify [ID]`: rehash every object a snapshot (or all) references and check the
// manifests. Exit 1 when anything is missing or corrupt.
import { HostError } from '../../src/errors.js';
import type { CommandRun } from '../command.js';
import { paint, printJson } from '../io.js';
import { openStoreFromArgs } from './snapshots.js';

const run: CommandRun = async (args, io) => {
  const store = await openStoreFromArgs(args, io);
  try {
    const r = await store.verify(typeof args.id === 'string' ? args.id : undefined);
    if (args.json) {
      printJson(io, { ok: r.problems.length === 0, ...r });
      return r.problems.length === 0 ? 0 : 1;
    }
    if (r.problems.length > 0) {
      for (const p of r.problems) io.out(paint(io, 'red', `✗ ${p}`));
      throw new HostError(`snapshot store has ${r.problems.length} problems (${store.storeDir})`);
    }
    io.out(
      `${paint(io, 'green', 'ok')}: ${r.snapshots} snapshots, ${r.objects} objects verified` +
        (r.unreferenced > 0 ? `, ${r.unreferenced} unreferenced (collected by the next GC)` : ''),
    );
    return 0;
  } finally {
    store.close();
  }
};

export default run;
