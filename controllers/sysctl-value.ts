// How a sysctl value is compared: the schema normalises what a spec says, the controller what
// /proc/sys prints, with the same function. zod-free, so the runtime controller can use it.

/** /proc/sys prints multi-value keys with tabs; specs use spaces. */
export function normalizeValue(v: string): string {
  return v.trim().split(/\s+/).join(' ');
}
