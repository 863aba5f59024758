import { describe, expect, it } from 'vitest';
import { describeError, EXIT, exitCodeFor } from '../../cli/exit-codes.js';
import { HostError, PolicyBlockedError, UserInputError } from '../../src/errors.js';

const errno = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('error lines', () => {
  it('name a full disk or a read-only file system as the host condition it is, not as unexpected', () => {
    const line = describeError(errno("ENOSPC: no space left on device, write '/store/x'", 'ENOSPC'), false);
    expect(line).toBe("no space left on the device: ENOSPC: no space left on device, write '/store/x'");
    expect(describeError(errno('EROFS: read-only file system, open /etc/x', 'EROFS'), false)).toMatch(
      /^read-only file system: /,
    );
  });

  it('call anything else unexpected and keep the stack for --verbose', () => {
    expect(describeError(new TypeError('x is undefined'), false)).toBe(
      'unexpected error: x is undefined (run with --verbose for details)',
    );
    expect(describeError(new TypeError('x is undefined'), true)).toMatch(/TypeError: x is undefined\n\s+at /);
  });

  it('map errors to exit codes in one place', () => {
    expect(exitCodeFor(new PolicyBlockedError('denied'))).toBe(EXIT.blocked);
    expect(exitCodeFor(new UserInputError('bad'))).toBe(EXIT.error);
    expect(exitCodeFor(new HostError('apt failed'))).toBe(EXIT.error);
  });
});
