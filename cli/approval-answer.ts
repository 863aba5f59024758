// Shared body of `aios approve ID` and `aios deny ID`.
import type { Approval } from '../src/policy/gate-types.js';
import type { CommandRun } from './command.js';
import { requireDaemon } from './daemon-link.js';
import { printJson } from './io.js';

export function answerApproval(answer: 'approved' | 'denied'): CommandRun {
  return async (args, io) => {
    const call = await requireDaemon(args, answer === 'approved' ? 'approve' : 'deny');
    const a = (await call('approvals.decide', { id: String(args.id), answer })) as Approval;
    if (args.json) printJson(io, a);
    else
      io.out(`${a.id} ${answer}${answer === 'approved' ? ': it runs in the next pass of its resource' : ''}`);
    return 0;
  };
}
