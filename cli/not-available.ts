// Commands whose issue has not landed answer honestly instead of printing fake output.
import { NotAvailableError } from '../src/errors.js';
import type { CommandRun } from './command.js';

export function notAvailable(command: string, part: string): CommandRun {
  return async () => {
    throw new NotAvailableError(`\`aios ${command}\` is not available yet (${part})`);
  };
}
