// How the CLI finds and talks to a running daemon. A command that can run in-process asks
// `daemonSocket()` first and delegates when it answers (ARCHITECTURE.md §4).
import { answers } from '../src/runtime/socket-guard.js';

export async function daemonAnswers(socketPath: string): Promise<boolean> {
  if (process.env.AIOS_NO_DAEMON === '1') return false;
  return answers(socketPath, 300);
}
