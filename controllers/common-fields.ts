// Field normalisers every resource kind shares: octal modes and absolute host paths. Both the
// schemas (common-schema.ts) and the runtime controllers use them, so this module must stay
// zod-free: `aios apply` with cached specs loads the controllers without any schema library.
// Pure functions only; no I/O here.

/** "644" / "0644" / "00644" → "0644"; keeps setuid/setgid/sticky bits ("4755"). */
export function normalizeMode(mode: string): string {
  const n = Number.parseInt(mode, 8);
  return modeString(n);
}

export function modeString(bits: number): string {
  return (bits & 0o7777).toString(8).padStart(4, '0');
}

/** "/etc//nginx/" → "/etc/nginx" (the id must not depend on how a path was typed). */
export function normalizePath(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  return `/${parts.join('/')}`;
}

/** Parent directory of a normalized absolute path, or undefined for "/". */
export function parentDir(p: string): string | undefined {
  if (p === '/') return undefined;
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** `/`, `/etc`, `/usr`, ...: purging or force-removing one of these would take the system with it. */
export function isTopLevel(p: string): boolean {
  return p.split('/').filter(Boolean).length <= 1;
}
