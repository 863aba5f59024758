// `aios audit verify [--json]`: recomputes the audit log's hash chain. Exit 0 when every row links
// and hashes correctly, 1 with the first broken seq otherwise. Reads only.
import { openMemory } from '../../src/memory/memory-store.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandRun } from '../command.js';
import { paint, printJson } from '../io.js';

const run: CommandRun = async (args, io) => {
  const { paths } = await loadCliConfig(args);
  const mem = openMemory(paths.memoryPath);
  let result: ReturnType<typeof mem.verifyAudit>;
  try {
    result = mem.verifyAudit();
  } finally {
    mem.close();
  }
  if (args.json) {
    printJson(io, { memoryPath: paths.memoryPath, ...result });
    return result.ok ? 0 : 1;
  }
  if (result.ok) {
    const head = result.head ? `; head #${result.head.seq} ${result.head.hash}` : '';
    io.out(`${paint(io, 'green', 'audit log OK')}: ${result.count} rows verified${head}`);
    return 0;
  }
  io.err(
    `${paint(io, 'red', 'audit log BROKEN')} at seq ${result.firstBrokenSeq}: ${result.reason} (${paths.memoryPath})`,
  );
  return 1;
};

export default run;
