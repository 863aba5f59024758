// Renders imported resources as spec TOML: one `[[kind]]` table per resource, keys in a fixed
// order, values through smol-toml's `stringify` (so quoting and escapes are its job, not ours);
// multi-line text becomes a literal '''block''' when that reads back byte for byte. The whole
// document is parsed again before it is returned: an import never writes a spec that would not
// load as the same values. Pure: no I/O.
import { isDeepStrictEqual } from 'node:util';
import { parse, stringify } from 'smol-toml';

export interface ImportedTable {
  kind: string;
  /** Keys in the order they should be written. */
  fields: Record<string, unknown>;
  /** Comment lines written above the table (without "# "). */
  notes?: string[];
}

/** One TOML value as smol-toml writes it. */
export function tomlValue(value: unknown): string {
  const line = stringify({ v: value }).trim();
  return line.slice(line.indexOf('=') + 1).trim();
}

/** A readable literal block for multi-line text, or undefined when only an escaped string is exact. */
function literalBlock(text: string): string | undefined {
  if (!text.includes('\n')) return undefined;
  // Literal strings take no escapes: control characters (except tab and newline), a closing
  // delimiter inside, or a quote at the very end would change or end the value.
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text) || text.includes("'''") || text.endsWith("'")) {
    return undefined;
  }
  const block = `'''\n${text}'''`;
  try {
    return (parse(`v = ${block}`) as { v: unknown }).v === text ? block : undefined;
  } catch {
    return undefined;
  }
}

function renderField(key: string, value: unknown): string {
  const k = /^[A-Za-z0-9_-]+$/.test(key) ? key : tomlValue(key);
  const block = typeof value === 'string' ? literalBlock(value) : undefined;
  return `${k} = ${block ?? tomlValue(value)}`;
}

export function renderSpec(tables: ImportedTable[], header: string[] = []): string {
  const parts: string[] = [];
  if (header.length > 0) parts.push(header.map((h) => `# ${h}`).join('\n'));
  for (const t of tables) {
    const lines = (t.notes ?? []).map((n) => `# ${n}`);
    lines.push(`[[${t.kind}]]`);
    for (const [key, value] of Object.entries(t.fields)) {
      if (value !== undefined) lines.push(renderField(key, value));
    }
    parts.push(lines.join('\n'));
  }
  const text = `${parts.join('\n\n')}\n`;
  assertRoundTrip(text, tables);
  return text;
}

/** The written text must parse back to exactly the tables it was made from. */
function assertRoundTrip(text: string, tables: ImportedTable[]): void {
  const want: Record<string, Record<string, unknown>[]> = {};
  for (const t of tables) {
    const clean = Object.fromEntries(Object.entries(t.fields).filter(([, v]) => v !== undefined));
    want[t.kind] ??= [];
    want[t.kind]?.push(clean);
  }
  const got = parse(text);
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(got)), JSON.parse(JSON.stringify(want)))) {
    throw new Error('import: the generated spec does not read back as the imported values (a bug)');
  }
}
