// Turns arbitrary user text into a safe FTS5 MATCH expression. Users type shell commands, quotes,
// `*`, `-flags` and words like AND/NOT/NEAR; none of that may reach FTS5 as syntax (it would be a
// syntax error or a different query). Every term becomes a quoted string; all terms must match.
// A trailing `*` on a term is kept as a prefix search, the one operator worth keeping.

export interface SearchTerm {
  /** The term as typed, without a trailing `*`. */
  text: string;
  prefix: boolean;
}

/** The searchable terms of `text` (at most 32; terms without a letter or digit dropped). */
export function searchTerms(text: string): SearchTerm[] {
  const terms: SearchTerm[] = [];
  // Control characters (a NUL above all) end an FTS5 string early: they separate terms instead.
  for (const raw of text.replace(/[\u0000-\u001f\u007f]/g, ' ').split(/\s+/)) {
    if (raw === '') continue;
    const prefix = /[\p{L}\p{N}]\*+$/u.test(raw);
    const word = prefix ? raw.replace(/\*+$/, '') : raw;
    // A term without a letter or digit has no tokens for unicode61: it would match nothing, or
    // (as an empty phrase) confuse FTS5, so it is dropped.
    if (!/[\p{L}\p{N}]/u.test(word)) continue;
    terms.push({ text: word, prefix });
    if (terms.length >= 32) break; // bounded cost for pasted paragraphs
  }
  return terms;
}

/** The MATCH expression for `text`, or null when it holds nothing searchable. */
export function toFtsQuery(text: string): string | null {
  const terms = searchTerms(text);
  if (terms.length === 0) return null;
  return terms.map((t) => `"${t.text.replaceAll('"', '""')}"${t.prefix ? '*' : ''}`).join(' ');
}

/** Token text the way FTS5's unicode61 tokenizer (remove_diacritics 2) compares it. */
export function foldToken(token: string): string {
  return token.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

const TOKEN = /[\p{L}\p{N}]+/gu;

/**
 * A short excerpt of `body` around the best cluster of query tokens, each match wrapped in
 * open/close. Done here rather than with FTS5's snippet(): that needs one MATCH query per hit, which
 * costs a doclist walk each for common terms.
 */
export function makeSnippet(
  body: string,
  terms: readonly SearchTerm[],
  open: string,
  close: string,
  maxTokens = 16,
): string {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  terms.forEach((t) => {
    const parts = [...t.text.matchAll(TOKEN)].map((m) => foldToken(m[0]));
    parts.forEach((p, i) => {
      if (t.prefix && i === parts.length - 1) prefixes.push(p);
      else exact.add(p);
    });
  });
  const tokens: { start: number; end: number; hit: boolean }[] = [];
  for (const m of body.matchAll(TOKEN)) {
    const f = foldToken(m[0]);
    const hit = exact.has(f) || prefixes.some((p) => f.startsWith(p));
    tokens.push({ start: m.index, end: m.index + m[0].length, hit });
  }
  if (tokens.length === 0) return body.slice(0, 200);
  // The window of maxTokens tokens holding the most hits (first such window wins).
  let best = 0;
  let bestHits = -1;
  let hits = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]?.hit) hits++;
    const from = i - maxTokens + 1;
    if (from > 0 && tokens[from - 1]?.hit) hits--;
    if (hits > bestHits) {
      bestHits = hits;
      best = Math.max(0, from);
    }
  }
  const last = Math.min(tokens.length, best + maxTokens) - 1;
  let out = best > 0 ? '…' : body.slice(0, tokens[0]?.start ?? 0);
  let pos = tokens[best]?.start ?? 0;
  for (let i = best; i <= last; i++) {
    const t = tokens[i];
    if (!t) continue;
    out += body.slice(pos, t.start);
    out += t.hit ? `${open}${body.slice(t.start, t.end)}${close}` : body.slice(t.start, t.end);
    pos = t.end;
  }
  const endToken = tokens[last];
  out += last < tokens.length - 1 ? '…' : body.slice(endToken?.end ?? pos);
  return out;
}
