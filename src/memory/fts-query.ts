// Turns arbitrary user text into a safe FTS5 MATCH expression. Users type shell commands, quotes,
// `*`, `-flags` and words like AND/NOT/NEAR; none of that may reach FTS5 as syntax (it would be a
// syntax error or a different query). Every term becomes a quoted string; all terms must match.
// A trailing `*` on a term is kept as a prefix search, the one operator worth keeping.

/** The MATCH expression for `text`, or null when it holds nothing searchable. */
export function toFtsQuery(text: string): string | null {
  const terms: string[] = [];
  for (const raw of text.split(/\s+/)) {
    if (raw === '') continue;
    const prefix = /\w\*+$/u.test(raw);
    const word = prefix ? raw.replace(/\*+$/, '') : raw;
    // A term without a letter or digit has no tokens for unicode61: it would match nothing, or
    // (as an empty phrase) confuse FTS5, so it is dropped.
    if (!/[\p{L}\p{N}]/u.test(word)) continue;
    terms.push(`"${word.replaceAll('"', '""')}"${prefix ? '*' : ''}`);
    if (terms.length >= 32) break; // bounded cost for pasted paragraphs
  }
  return terms.length === 0 ? null : terms.join(' ');
}
