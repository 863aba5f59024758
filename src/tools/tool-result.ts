// Small helpers that turn failures into ToolResults, so a tool's `run` never throws for an
// expected failure (a missing file, a refused write): the caller gets ok=false and a clear line.
import type { ToolResult } from './tool.js';

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ENOTEMPTY: 'directory not empty',
  EEXIST: 'already exists',
  EROFS: 'read-only file system',
  ELOOP: 'too many levels of symbolic links',
  ENOSPC: 'no space left on device',
};

export function failure(output: string, extra: Partial<ToolResult> = {}): ToolResult {
  return { ok: false, output, changed: false, ...extra };
}

/** A thrown error as one readable line; errno errors are named for the host path, not the real one. */
export function errorText(e: unknown, hostPath?: string): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && ERRNO_TEXT[err.code]) {
    return `${ERRNO_TEXT[err.code]}${hostPath ? `: ${hostPath}` : ''} (${err.code})`;
  }
  return err instanceof Error ? err.message : String(e);
}

/** Run `fn`, turning anything it throws into an ok=false result. */
export async function guarded(
  hostPath: string | undefined,
  fn: () => Promise<ToolResult>,
): Promise<ToolResult> {
  try {
    return await fn();
  } catch (e) {
    return failure(errorText(e, hostPath));
  }
}
