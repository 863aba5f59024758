// A per-user scratch directory that lets a cold `aios policy check` skip work whose result is
// already known: parsed rule files (as JSON, keyed by a hash of their text) and "these exact rules
// passed their examples" stamps. Only a directory owned by this user and not writable by others is
// trusted; anything odd means "not cached" and the work is simply done again. Never required.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function dir(): string | undefined {
  if (process.env.AIOS_POLICY_CACHE === 'off') return undefined;
  return path.join(os.tmpdir(), `aios-policy-cache-${process.getuid?.() ?? 0}`);
}

function trusted(d: string): boolean {
  try {
    const st = statSync(d);
    return st.isDirectory() && st.uid === (process.getuid?.() ?? 0) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

export function readCache(name: string): string | undefined {
  const d = dir();
  if (!d || !trusted(d)) return undefined;
  try {
    return readFileSync(path.join(d, name), 'utf8');
  } catch {
    return undefined;
  }
}

export function writeCache(name: string, content: string): void {
  const d = dir();
  if (!d) return;
  try {
    mkdirSync(d, { recursive: true, mode: 0o700 });
    if (trusted(d)) writeFileSync(path.join(d, name), content, { mode: 0o600 });
  } catch {
    // a read-only or full /tmp only costs the next process the work again
  }
}
