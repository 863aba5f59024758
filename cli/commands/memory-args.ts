// Flag parsing shared by the memory commands (history, search): --kind and --limit checked once,
// with errors that name the flag.
import { UserInputError } from '../../src/errors.js';
import { MEMORY_KINDS, type MemoryKind } from '../../src/memory/migrations.js';

export function kindArg(value: unknown): MemoryKind | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const kind = String(value);
  if (!(MEMORY_KINDS as string[]).includes(kind)) {
    throw new UserInputError(`--kind must be one of ${MEMORY_KINDS.join(', ')} (got "${kind}")`);
  }
  return kind as MemoryKind;
}

export function limitArg(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UserInputError(`--limit must be a positive whole number (got "${String(value)}")`);
  return n;
}

/** Local time for humans, minute precision, sortable. */
export function shortTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
