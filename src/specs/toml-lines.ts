// Line numbers for the tables and keys of a spec file. smol-toml returns plain values without
// positions, so this scans the text once to find where each `[[kind]]` table and each of its keys
// starts; spec errors can then name a line. It only locates, it never parses values.

export interface TableLines {
  /** 1-based line of the `[[kind]]` header (or of the `kind = [...]` key for inline arrays). */
  line: number;
  /** First line of each top-level key inside this table. */
  keys: Map<string, number>;
}

const arrayHeader = /^\s*\[\[\s*([^\]\s]+)\s*\]\]/;
const tableHeader = /^\s*\[\s*([^\]\s]+)\s*\]/;
const keyLine = /^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*[.=]/;

/** For each kind, its tables in file order with the line of their header and keys. */
export function locateTables(text: string): Map<string, TableLines[]> {
  const out = new Map<string, TableLines[]>();
  let current: TableLines | undefined;
  // Multi-line strings can hold lines that look like headers or keys; skip their bodies.
  let openQuote: string | undefined;
  let lineNo = 0;
  let start = 0;
  // One pass without splitting the text: this runs once per process on every spec file, cold
  // (not yet optimised by V8), so fewer allocations and regex runs matter more than elegance.
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const raw = text.slice(start, end);
    start = end + 1;
    lineNo++;
    const hasTriple = raw.includes(DQ3) || raw.includes(SQ3);
    if (openQuote) {
      if (hasTriple && countOf(raw, openQuote) % 2 === 1) openQuote = undefined;
      continue;
    }
    const first = raw.trimStart().charCodeAt(0);
    if (first === 91 /* [ */) {
      const arr = arrayHeader.exec(raw);
      if (arr?.[1]) {
        const kind = unquote(arr[1]);
        current = { line: lineNo, keys: new Map() };
        const list = out.get(kind) ?? [];
        list.push(current);
        out.set(kind, list);
      } else {
        // `[file.extra]`-style sub-tables belong to the last array entry; other tables end it.
        const name = tableHeader.exec(raw)?.[1] ?? '';
        if (!current || !name.includes('.')) current = undefined;
      }
    } else if (first !== 35 /* # */ && !Number.isNaN(first)) {
      const key = keyLine.exec(raw);
      const name = key?.[1] ?? key?.[2] ?? key?.[3];
      if (name) {
        if (current) {
          if (!current.keys.has(name)) current.keys.set(name, lineNo);
        } else if (/=\s*\[/.test(raw)) {
          // Top-level `kind = [{...}, ...]`: all entries share the key's line.
          const list = out.get(name) ?? [];
          list.push({ line: lineNo, keys: new Map() });
          out.set(name, list);
        }
      }
    }
    if (hasTriple) {
      for (const q of [DQ3, SQ3]) {
        if (countOf(raw, q) % 2 === 1) {
          openQuote = q;
          break;
        }
      }
    }
  }
  return out;
}

const DQ3 = '"""';
const SQ3 = "'''";

function countOf(s: string, needle: string): number {
  let n = 0;
  let at = s.indexOf(needle);
  while (at !== -1) {
    n++;
    at = s.indexOf(needle, at + needle.length);
  }
  return n;
}

function unquote(s: string): string {
  return s.replace(/^["']|["']$/g, '');
}
