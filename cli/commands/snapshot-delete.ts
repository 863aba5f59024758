// `aios snapshot delete ID`: drop one snapshot (pinned ones too: the user asked) and collect the
// objects no other snapshot references.
import { UserInputError } from '../../src/errors.js';
import type { CommandRun } from '../command.js';
import { printJson } from '../io.js';
import { openStoreFromArgs } from './snapshots.js';

const run: CommandRun = async (args, io) => {
  if (typeof args.id !== 'string' || args.id === '')
    throw new UserInputError('usage: aios snapshot delete ID');
  const store = await openStoreFromArgs(args, io);
  try {
    const r = await store.delete(args.id);
    if (args.json) printJson(io, r);
    else io.out(`deleted ${r.deleted} (${r.objectsRemoved} objects collected)`);
    return 0;
  } finally {
    store.close();
  }
};

export default run;
