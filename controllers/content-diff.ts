// Builds the Change for a file's contents: a unified diff (package `diff`) for ordinary files, and
// a fixed marker for sensitive ones. Pure. Sensitive contents must never reach a Change: not in
// before/after, not in the diff, not as a hash (a short hash of a short secret can be guessed).
import crypto from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import { creationPatch } from '../src/tools/creation-patch.js';
import type { Change } from '../src/types.js';

export const SENSITIVE_MARKER = '(sensitive: content differs)';
export const SENSITIVE_VALUE = '(sensitive)';

/** Files larger than this are compared but not diffed line by line (the diff would be noise). */
export const MAX_DIFF_BYTES = 256 * 1024;

export interface ContentSide {
  /** undefined: the file does not exist. */
  text?: string | undefined;
  /** Set when the text was not read (too large, binary): then only sizes/hashes are shown. */
  summary?: string | undefined;
}

export function contentChange(
  hostPath: string,
  before: ContentSide,
  after: string,
  sensitive: boolean,
): Change {
  if (sensitive) {
    return {
      field: 'content',
      before: before.text === undefined && before.summary === undefined ? null : SENSITIVE_VALUE,
      after: SENSITIVE_VALUE,
      diff: SENSITIVE_MARKER,
    };
  }
  const beforeLabel = before.summary ?? (before.text === undefined ? null : labelOf(before.text));
  const change: Change = { field: 'content', before: beforeLabel, after: labelOf(after) };
  if (before.summary !== undefined) {
    change.diff = `(content differs: ${before.summary} → ${describeText(after)})`;
  } else if (Buffer.byteLength(after) > MAX_DIFF_BYTES || isBinary(after) || isBinary(before.text ?? '')) {
    change.diff = `(content differs: ${beforeLabel ?? 'missing'} → ${labelOf(after)})`;
  } else {
    // The `diff` package starts with a line of "=" signs; drop it so the text reads like `diff -u`.
    // From nothing every line is an addition: the same text, without a Myers run per new file.
    const from = before.text ?? '';
    const patch =
      from === ''
        ? creationPatch(before.text === undefined ? '/dev/null' : `a${hostPath}`, `b${hostPath}`, after)
        : createTwoFilesPatch(
            before.text === undefined ? '/dev/null' : `a${hostPath}`,
            `b${hostPath}`,
            from,
            after,
            undefined,
            undefined,
            { context: 3 },
          );
    change.diff = patch.replace(/^=+\n/, '');
  }
  return change;
}

/** "12 bytes, sha256:0123456789ab": enough to tell two versions apart in a plan. */
export function describeText(text: string): string {
  return `${Buffer.byteLength(text)} bytes, sha256:${sha256(text).slice(0, 12)}`;
}

// One-shot digest where Node has it (>= 20.12): a label per changed file, thousands per first apply.
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex') => string })
  .hash;

export function sha256(data: string | Buffer): string {
  return oneShot ? oneShot('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');
}

function labelOf(text: string): string {
  return isBinary(text) ? `${describeText(text)}, binary` : describeText(text);
}

export function isBinary(text: string): boolean {
  return text.includes('\u0000');
}
