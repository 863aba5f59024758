// Finds the line of every key in a TOML document, because smol-toml returns values without positions
// and users need "file:line" in errors, warnings and `aios config show`. It is a structural scanner,
// not a parser: run it only on text smol-toml accepted, and never trust it for values. On text it does
// not understand it stops early (fewer lines known), it never throws or loops.

/** Dotted path (array elements and array-of-table entries by index, e.g. `recovery.paths.1`) → 1-based line. */
export type KeyLines = Map<string, number>;

const BARE = /[A-Za-z0-9_-]/;

export function locateKeys(text: string): KeyLines {
  const lines: KeyLines = new Map();
  const newlines: number[] = [];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) newlines.push(i);
  const lineAt = (pos: number): number => {
    let lo = 0;
    let hi = newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((newlines[mid] ?? 0) < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
  const record = (path: string[], pos: number) => {
    const key = path.join('.');
    if (!lines.has(key)) lines.set(key, lineAt(pos));
  };

  let i = 0;
  const arrayTables = new Map<string, number>();
  let table: string[] = [];

  const skipSpaces = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  // Whitespace, newlines and comments (between statements and inside arrays).
  const skipBlank = () => {
    for (;;) {
      skipSpaces();
      const c = text[i];
      if (c === '\n' || c === '\r') i++;
      else if (c === '#') while (i < text.length && text[i] !== '\n') i++;
      else return;
    }
  };
  const readQuoted = (quote: string): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== quote && text[i] !== '\n') {
      if (quote === '"' && text[i] === '\\') i++;
      i++;
    }
    i++;
    const raw = text.slice(start, i);
    if (quote === "'") return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      return raw.slice(1, -1);
    }
  };
  // A dotted key: `a.b."c d".'e'` with optional spaces around the dots.
  const readKey = (): string[] | undefined => {
    const parts: string[] = [];
    for (;;) {
      skipSpaces();
      const c = text[i];
      if (c === '"' || c === "'") parts.push(readQuoted(c));
      else if (c !== undefined && BARE.test(c)) {
        const start = i;
        while (i < text.length && BARE.test(text[i] ?? '')) i++;
        parts.push(text.slice(start, i));
      } else return undefined;
      skipSpaces();
      if (text[i] !== '.') return parts;
      i++;
    }
  };
  const skipString = () => {
    const q = text[i] ?? '"';
    if (text.startsWith(q.repeat(3), i)) {
      i += 3;
      const end = (() => {
        let j = i;
        for (;;) {
          j = text.indexOf(q.repeat(3), j);
          if (j < 0) return text.length;
          if (q === "'" || !isEscaped(j)) return j;
          j++;
        }
      })();
      i = end + 3;
      // A closing delimiter may be followed by up to two more quotes that belong to the content.
      while (text[i] === q) i++;
      return;
    }
    readQuoted(q);
  };
  const isEscaped = (pos: number): boolean => {
    let n = 0;
    while (text[pos - 1 - n] === '\\') n++;
    return n % 2 === 1;
  };
  const readValue = (path: string[]) => {
    skipSpaces();
    const c = text[i];
    if (c === '"' || c === "'") skipString();
    else if (c === '[') {
      i++;
      let index = 0;
      for (;;) {
        skipBlank();
        if (i >= text.length || text[i] === ']') break;
        const before = i;
        const elem = [...path, String(index++)];
        record(elem, i);
        readValue(elem);
        skipBlank();
        if (text[i] === ',') i++;
        if (i === before) return;
      }
      i++;
    } else if (c === '{') {
      i++;
      for (;;) {
        skipSpaces();
        if (i >= text.length || text[i] === '}' || text[i] === '\n') break;
        const keyPos = i;
        const key = readKey();
        if (!key) return;
        const full = [...path, ...key];
        recordPrefixes(full, keyPos);
        skipSpaces();
        if (text[i] !== '=') return;
        i++;
        readValue(full);
        skipSpaces();
        if (text[i] === ',') i++;
      }
      i++;
    } else {
      while (i < text.length && !',]}\n#'.includes(text[i] ?? '')) i++;
    }
  };
  const recordPrefixes = (full: string[], pos: number) => {
    for (let n = 1; n <= full.length; n++) record(full.slice(0, n), pos);
  };

  while (i < text.length) {
    skipBlank();
    if (i >= text.length) break;
    const pos = i;
    if (text[i] === '[') {
      const isArray = text[i + 1] === '[';
      i += isArray ? 2 : 1;
      const key = readKey();
      if (!key) break;
      if (isArray) {
        const name = key.join('.');
        const index = arrayTables.get(name) ?? 0;
        arrayTables.set(name, index + 1);
        recordPrefixes(key, pos);
        table = [...key, String(index)];
        record(table, pos);
      } else {
        table = key;
        recordPrefixes(key, pos);
      }
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const key = readKey();
    if (!key) break;
    const full = [...table, ...key];
    recordPrefixes(full, pos);
    skipSpaces();
    if (text[i] !== '=') break;
    i++;
    readValue(full);
    // Rest of the line: spaces and a comment.
    while (i < text.length && text[i] !== '\n') i++;
  }
  return lines;
}

/**
 * The 1-based line where a top-level key (`key = ...`, `[key]`, `[[key]]`) starts, for errors about
 * a key smol-toml accepted but the caller refuses. A plain scan, not a regex built from the key: a
 * key of any length still yields an error naming its file.
 */
export function lineOfTopLevelKey(text: string, key: string): number | undefined {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => {
    const rest = l.trimStart().replace(/^\[{1,2}\s*/, '');
    return rest.startsWith(key) && !/\w/.test(rest.charAt(key.length));
  });
  return i === -1 ? undefined : i + 1;
}
