// `aios snapshot diff A [B]`: files added/removed/changed with unified diffs for text, metadata
// changes, package and unit changes. B defaults to the live system.
import { UserInputError } from '../../src/errors.js';
import type { SnapshotDiff } from '../../src/recovery/snapshot-diff.js';
import type { CommandRun } from '../command.js';
import { type Io, paint, printJson } from '../io.js';
import { openStoreFromArgs } from './snapshots.js';

function colourDiff(io: Io, text: string): string {
  if (!io.color) return text;
  return text
    .split('\n')
    .map((l) =>
      l.startsWith('+') && !l.startsWith('+++')
        ? paint(io, 'green', l)
        : l.startsWith('-') && !l.startsWith('---')
          ? paint(io, 'red', l)
          : l.startsWith('@@')
            ? paint(io, 'cyan', l)
            : l,
    )
    .join('\n');
}

export function renderDiff(io: Io, d: SnapshotDiff): string {
  const out: string[] = [];
  for (const f of d.files) {
    const mark = f.change === 'added' ? '+' : f.change === 'removed' ? '-' : '~';
    const colour = f.change === 'added' ? 'green' : f.change === 'removed' ? 'red' : 'yellow';
    const what = f.details.length > 0 ? ` (${f.details.join(', ')})` : '';
    out.push(paint(io, colour, `${mark} ${f.path}${f.type === 'dir' ? '/' : ''}${what}`));
    if (f.diff) out.push(colourDiff(io, f.diff.split('\n').slice(1).join('\n').trimEnd()));
  }
  if (d.packages.length > 0) {
    out.push(paint(io, 'bold', 'packages:'));
    for (const p of d.packages) out.push(`  ${p.text}`);
  }
  for (const u of d.units.enabled) out.push(`unit enabled: ${u}`);
  for (const u of d.units.disabled) out.push(`unit disabled: ${u}`);
  const s = d.summary;
  out.push(
    paint(
      io,
      'dim',
      `${d.from} -> ${d.to}: ${s.added} added, ${s.removed} removed, ${s.modified} changed, ${s.packages} package changes`,
    ),
  );
  return out.join('\n');
}

const run: CommandRun = async (args, io) => {
  if (typeof args.a !== 'string') throw new UserInputError('usage: aios snapshot diff A [B]');
  const store = await openStoreFromArgs(args, io);
  try {
    const d = await store.diff(args.a, typeof args.b === 'string' ? args.b : undefined);
    if (args.json) printJson(io, d);
    else io.out(renderDiff(io, d));
    return 0;
  } finally {
    store.close();
  }
};

export default run;
