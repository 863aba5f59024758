// `aios approvals [--json]`: actions the daemon holds for a person's confirmation.
import type { Approval } from '../../src/policy/gate-types.js';
import type { CommandRun } from '../command.js';
import { requireDaemon } from '../daemon-link.js';
import { paint, printJson } from '../io.js';

const run: CommandRun = async (args, io) => {
  const call = await requireDaemon(args, 'approvals');
  const list = (await call('approvals.list', {})) as Approval[];
  if (args.json) {
    printJson(io, list);
    return 0;
  }
  if (list.length === 0) {
    io.out('no actions are waiting for approval');
    return 0;
  }
  for (const a of list) {
    const what =
      a.action.tool === 'bash'
        ? String(a.action.args.command)
        : `${a.action.tool} ${JSON.stringify(a.action.args)}`;
    io.out(`${paint(io, 'bold', a.id)}  ${a.action.resource ?? '-'}  expires ${a.expires_at}`);
    io.out(`    ${what}`);
    io.out(paint(io, 'dim', `    rule ${a.decision.rule}: ${a.decision.reason}`));
  }
  io.out(`${list.length} waiting; answer with \`aios approve ID\` or \`aios deny ID\``);
  return 0;
};

export default run;
