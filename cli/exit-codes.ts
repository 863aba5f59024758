// The one place where errors become exit codes (ARCHITECTURE.md §4).
import {
  AiosError,
  ChangesPendingError,
  HostError,
  NotAvailableError,
  PolicyBlockedError,
  UserInputError,
  ValidationError,
} from '../src/errors.js';

export const EXIT = {
  ok: 0,
  error: 1,
  /** `aios diff`: changes pending. */
  changes: 2,
  /** Blocked by policy (deny, or a confirm that was not given). */
  blocked: 3,
} as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof ChangesPendingError) return EXIT.changes;
  if (error instanceof PolicyBlockedError) return EXIT.blocked;
  if (
    error instanceof UserInputError ||
    error instanceof ValidationError ||
    error instanceof NotAvailableError ||
    error instanceof HostError ||
    error instanceof AiosError
  ) {
    return EXIT.error;
  }
  return EXIT.error;
}

const HOST_CONDITIONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EMFILE: 'too many open files',
};

/** One clear line for the user; the stack only with --verbose, and only for unexpected errors. */
export function describeError(error: unknown, verbose: boolean): string {
  if (error instanceof AiosError) return verbose && error.stack ? error.stack : error.message;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const line = code ? `${error.message} (${code})` : error.message;
    // The machine's state, not a bug of ours: say what it is and where, without "unexpected".
    if (code && HOST_CONDITIONS[code] && !verbose) return `${HOST_CONDITIONS[code]}: ${error.message}`;
    return verbose && error.stack
      ? error.stack
      : `unexpected error: ${line} (run with --verbose for details)`;
  }
  return `unexpected error: ${String(error)}`;
}
