// Error classes shared by every layer. The CLI maps them to exit codes in one place
// (cli/exit-codes.ts); library code throws these and never calls process.exit.

/** Where in a user's file a problem is: always at least the file. */
export interface Location {
  file: string;
  line?: number;
  column?: number;
  key?: string;
}

export function formatLocation(loc: Location): string {
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.column !== undefined && loc.line !== undefined) s += `:${loc.column}`;
  if (loc.key) s += ` (${loc.key})`;
  return s;
}

export class AiosError extends Error {
  override name = 'AiosError';
}

/** Bad user input: a config, spec or policy file, a flag, an env var. */
export class UserInputError extends AiosError {
  override name = 'UserInputError';
  constructor(
    message: string,
    readonly location?: Location,
    readonly details: string[] = [],
  ) {
    super(location ? `${formatLocation(location)}: ${message}` : message);
  }
}

/** Several input errors at once (collected, not thrown one by one). */
export class ValidationError extends AiosError {
  override name = 'ValidationError';
  constructor(readonly problems: UserInputError[]) {
    super(
      problems.length === 1
        ? (problems[0]?.message ?? 'invalid input')
        : `${problems.length} problems:\n${problems.map((p) => `  ${p.message}`).join('\n')}`,
    );
  }
}

/** The policy gate refused (deny) or did not get a confirmation for an action. */
export class PolicyBlockedError extends AiosError {
  override name = 'PolicyBlockedError';
}

/** A feature whose issue has not landed yet: an honest refusal, never fake output. */
export class NotAvailableError extends AiosError {
  override name = 'NotAvailableError';
}

/** Something on the host failed (a process, a file system call) in a way we can explain. */
export class HostError extends AiosError {
  override name = 'HostError';
}

/** Pending changes found by a check command (`aios diff`): not a failure, a distinct exit code. */
export class ChangesPendingError extends AiosError {
  override name = 'ChangesPendingError';
}
