// One memory.db connection per `aios` process. `aios apply` records its run and then, like every
// acting command, its command-history row: both go through this handle, so SQLite is loaded and
// opened once per process instead of twice (bench/apply, decision 180). cli/run-command.ts closes it
// when the command and its history record are done.
import type { MemoryStore, OpenMemoryOptions } from '../src/memory/memory-store.js';

const open = new Map<string, MemoryStore>();

/**
 * The process's connection to `file`, opened on first use; callers must not close it. A given
 * `busyTimeoutMs` holds from now on even when the connection was opened before (the history row
 * waits 250 ms, whoever opened it).
 */
export async function sharedMemory(file: string, options: OpenMemoryOptions = {}): Promise<MemoryStore> {
  let mem = open.get(file);
  if (!mem) {
    const { openMemory } = await import('../src/memory/memory-store.js');
    mem = openMemory(file, options);
    open.set(file, mem);
  } else if (options.busyTimeoutMs !== undefined) {
    mem.setBusyTimeout(options.busyTimeoutMs);
  }
  return mem;
}

export function closeSharedMemory(): void {
  for (const mem of open.values()) {
    try {
      mem.close();
    } catch {
      // closing at exit must not change the command's outcome
    }
  }
  open.clear();
}
