// `aios status`: the daemon's state. Exit 1 (with how to start it) when no daemon answers.
import { AiosError } from '../../src/errors.js';
import type { DiagnosisInfo } from '../../src/runtime/chat-rpc.js';
import type { DaemonStatus } from '../../src/runtime/daemon.js';
import { callDaemon } from '../../src/runtime/rpc-client.js';
import { answers } from '../../src/runtime/socket-guard.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandRun } from '../command.js';
import { paint, printJson } from '../io.js';

const run: CommandRun = async (args, io) => {
  const { paths } = await loadCliConfig(args);
  const socket = paths.socketPath;
  // The real state, whatever AIOS_NO_DAEMON says about delegating other commands.
  if (!(await answers(socket, 300))) {
    if (args.json) printJson(io, { running: false, socket });
    throw new AiosError(
      `aios-runtime is not running (no answer on ${socket}); start it with \`aios-runtime\` or \`systemctl start aios-runtime\``,
    );
  }
  const status = (await callDaemon(socket, 'status', {}, { timeoutMs: 5000 })) as DaemonStatus;
  // The system agent's latest diagnosis, when it made one (an older daemon has no such method).
  const diagnosis = (await callDaemon(socket, 'chat.diagnosis', {}, { timeoutMs: 2000 }).catch(
    () => null,
  )) as DiagnosisInfo | null;
  if (args.json) {
    printJson(io, { ...status, diagnosis });
    return 0;
  }
  io.out(`${paint(io, 'green', '●')} aios-runtime running (pid ${status.pid}, up ${status.uptime_s}s)`);
  io.out(`  socket:  ${status.socket}`);
  io.out(`  config:  ${status.config_files.join(', ') || '(built-in defaults)'}`);
  io.out(`  specs:   ${status.specs_dir}`);
  io.out(`  root:    ${status.root}`);
  io.out(`  watch:   ${status.watch ? 'on' : 'off'}; reloads: ${status.reloads}`);
  if (status.last_load_error) {
    io.out(
      paint(
        io,
        'red',
        `  last load error (${status.last_load_error.at}; the last good config stays active):`,
      ),
    );
    io.out(`    ${status.last_load_error.message.replace(/\n/g, '\n    ')}`);
  }
  if (diagnosis) {
    const first = diagnosis.text.split('\n').find((l) => l.trim()) ?? '(no answer)';
    io.out(`  diagnosis of ${diagnosis.resource} (${diagnosis.ts}, session ${diagnosis.session_id}):`);
    io.out(`    ${first.length > 160 ? `${first.slice(0, 159)}…` : first}`);
  }
  return 0;
};

export default run;
