// `aios snapshots [--json]`: list snapshots (id, time, kind, description, files, changed, size).
// Also holds what the other snapshot commands share: opening the store from the CLI config, and
// the small renderers (sizes, times, tables).

import { openSnapshotStore, type SnapshotStore } from '../../src/recovery/snapshot-store.js';
import { storeOptionsFromConfig } from '../../src/recovery/store-config.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandArgs, CommandRun } from '../command.js';
import { type Io, paint, printJson } from '../io.js';
import { snapshotBackend } from '../snapshot-backend.js';

/** The store named by the config (--config/--root/env honoured); --root decides what is captured. */
export async function openStoreFromArgs(args: CommandArgs, io: Io): Promise<SnapshotStore> {
  const { loaded, paths } = await loadCliConfig(args);
  if (!args.json) for (const w of loaded.warnings) io.err(`aios: warning: ${w}`);
  return openSnapshotStore(storeOptionsFromConfig(loaded.config, paths));
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export function shortTime(iso: string): string {
  return iso.replace('T', ' ').slice(0, 19);
}

export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const run: CommandRun = async (args, io) => {
  const backend = await snapshotBackend(args, io);
  try {
    const list = (await backend.list()).reverse();
    if (args.json) {
      printJson(io, list);
      return 0;
    }
    const store = await backend.info();
    if (list.length === 0) {
      io.out(paint(io, 'dim', `no snapshots yet (${store.storeDir}); take one with \`aios snapshot\``));
      return 0;
    }
    const rows = [['ID', 'TIME (UTC)', 'KIND', 'FILES', 'CHANGED', 'SIZE', 'DESCRIPTION']];
    for (const s of list) {
      rows.push([
        s.id,
        shortTime(s.time),
        s.pinned && s.kind !== 'manual' ? `${s.kind}*` : s.kind,
        String(s.files),
        String(s.changed),
        formatBytes(s.bytes),
        s.description,
      ]);
    }
    const [head, ...body] = table(rows).split('\n');
    io.out([paint(io, 'bold', head ?? ''), ...body].join('\n'));
    if (!store.enabled)
      io.out(paint(io, 'yellow', 'automatic snapshots are disabled ([recovery] enabled = false)'));
    return 0;
  } finally {
    backend.close();
  }
};

export default run;
