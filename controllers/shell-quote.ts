// Single-quote a string for bash, so a value planned into a command line stays one word. Pure.
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(s)) return s; // also refuses '' (which must be quoted)
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
