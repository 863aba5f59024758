// `[recovery] exclude` globs -> one predicate over host paths. A pattern with a slash matches the
// whole path ("/etc/ssl/private/**", "/var/cache/*"); one without matches any base name ("*.swp",
// "*~"). `*` stays within one name, `**` crosses slashes, `?` is one char. A matched directory
// excludes its whole subtree. Pure: no I/O.

function globToRegExp(pattern: string): RegExp {
  // "dir/**" matches dir itself and everything below it.
  const subtree = pattern.endsWith('/**');
  const glob = subtree ? pattern.slice(0, -3) : pattern;
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // "/**" at the end or "**/" in the middle: any depth, including none.
        if (glob[i + 2] === '/') {
          re += '(?:.*/)?';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}${subtree ? '(?:/.*)?' : ''}$`);
}

export function compileExclude(globs: string[]): (hostPath: string) => boolean {
  const full: RegExp[] = [];
  const base: RegExp[] = [];
  for (const g of globs) {
    if (g.trim() === '') continue;
    const pattern = g.endsWith('/') && g.length > 1 ? g.slice(0, -1) : g;
    (pattern.includes('/') ? full : base).push(globToRegExp(pattern));
  }
  if (full.length === 0 && base.length === 0) return () => false;
  return (hostPath) => {
    for (const r of full) if (r.test(hostPath)) return true;
    if (base.length > 0) {
      const name = hostPath.slice(hostPath.lastIndexOf('/') + 1);
      for (const r of base) if (r.test(name)) return true;
    }
    return false;
  };
}
