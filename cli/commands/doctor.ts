// `aios doctor [--json] [--config P] [--root DIR]`: checks the installation (cli/doctor-checks.ts)
// and prints one line per check — ok, warn, fail or skip — with what to fix under each warn and
// fail. Exit 0 when nothing failed, 1 otherwise. Never prints an API key.
import type { CommandRun } from '../command.js';
import { runDoctor } from '../doctor-checks.js';
import type { CheckStatus } from '../doctor-perms.js';
import { EXIT } from '../exit-codes.js';
import { type Colour, paint, printJson } from '../io.js';

const COLOURS: Record<CheckStatus, Colour> = { ok: 'green', warn: 'yellow', fail: 'red', skip: 'dim' };

const run: CommandRun = async (args, io) => {
  const results = await runDoctor({
    config: args.config,
    root: args.root,
    env: process.env,
    uid: process.getuid?.() ?? -1,
  });
  const count = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  const counts = { ok: count('ok'), warn: count('warn'), fail: count('fail'), skip: count('skip') };
  const ok = counts.fail === 0;
  if (args.json) {
    printJson(io, { ok, counts, checks: results });
    return ok ? EXIT.ok : EXIT.error;
  }
  for (const r of results) {
    io.out(`${paint(io, COLOURS[r.status], r.status.padEnd(4))}  ${r.message}`);
    const detail = r.details && r.details.length > 1 ? r.details : [];
    if (r.status === 'ok' || r.status === 'skip') continue;
    for (const d of detail) io.out(`        ${d}`);
    if (r.fix) io.out(`        ${paint(io, 'cyan', 'fix:')} ${r.fix}`);
  }
  const summary = `${counts.ok} ok, ${counts.warn} warn, ${counts.fail} fail, ${counts.skip} skipped`;
  io.out(ok ? paint(io, 'green', summary) : paint(io, 'red', summary));
  return ok ? EXIT.ok : EXIT.error;
};

export default run;
