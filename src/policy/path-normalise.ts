// Path arithmetic the rules rely on: `//etc/./` → `/etc`, `/tmp/../etc` → `/etc`, relative paths
// joined to a known working directory, and glob-aware pattern matching ("could `/e*` be `/etc`?").
// Pure string work: it never looks at the file system (symlinks are not resolved).

/** Normalise an absolute path, or join a relative one to `cwd` when known; otherwise return it as is. */
export function resolvePath(p: string, cwd: string | undefined): string {
  if (p === '') return p;
  let abs = p;
  if (!p.startsWith('/')) {
    if (!cwd) return normaliseRelative(p);
    abs = `${cwd}/${p}`;
  }
  const out: string[] = [];
  for (const seg of abs.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}

/** `./x/../y` → `y`, keeping leading `..` (the directory is unknown). */
function normaliseRelative(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(seg);
  }
  return out.join('/') || '.';
}

const patternCache = new Map<string, RegExp>();

/**
 * A path pattern as a RegExp: `*` one segment's characters, `**` anything (also `/`), `?` one
 * character, `[...]` a class. `/dir/**` also matches `/dir` itself.
 */
export function pathPatternRegex(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (re) return re;
  let src = '';
  let i = 0;
  // A leading `**/` also matches a relative path with no directory part (`cat server.key`).
  if (pattern.startsWith('**/')) {
    src = '(?:.*/)?';
    i = 3;
  }
  for (; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // `/x/**` matches /x too
        if (src.endsWith('/') && i + 2 === pattern.length) src = `${src.slice(0, -1)}(?:/.*)?`;
        else src += '.*';
        i++;
      } else src += '[^/]*';
    } else if (c === '?') src += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) src += '\\[';
      else {
        let cls = pattern.slice(i + 1, close);
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        src += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else src += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  re = new RegExp(`^${src}$`);
  patternCache.set(pattern, re);
  return re;
}

/**
 * Does `path` match `pattern`? When `path` itself holds glob characters (the shell would expand
 * it), it matches if the glob could expand to something the pattern names.
 */
export function pathMatches(path: string, pattern: string, pathIsGlob: boolean): boolean {
  return pathMatchesCompiled(path, pattern, pathPatternRegex(pattern), pathIsGlob);
}

/** `pathMatches` with the pattern's RegExp already compiled (hot path of the gate). */
export function pathMatchesCompiled(
  path: string,
  pattern: string,
  patternRe: RegExp,
  pathIsGlob: boolean,
): boolean {
  if (patternRe.test(path)) return true;
  if (!pathIsGlob) return false;
  const globRe = pathPatternRegex(path);
  if (globRe.test(pattern)) return true;
  // `/etc/*` covers every child of /etc: treat as touching the pattern's directory when the pattern is that dir.
  if (/\/\.?\*$/.test(path)) {
    const dir = path.replace(/\/\.?\*$/, '') || '/';
    if (dir === pattern || (dir === '/' && pattern === '/')) return true;
  }
  return false;
}
