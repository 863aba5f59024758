import { describe, expect, it } from 'vitest';
import { compileExclude } from '../../src/recovery/exclude.js';

describe('exclude globs', () => {
  it('match base names without a slash and whole paths with one', () => {
    const ex = compileExclude(['*.swp', '/etc/ssl/private/**', '/var/cache/*', 'lost+found/']);
    expect(ex('/etc/nginx/.site.conf.swp')).toBe(true);
    expect(ex('/etc/nginx/site.conf')).toBe(false);
    expect(ex('/etc/ssl/private')).toBe(true);
    expect(ex('/etc/ssl/private/a/b.key')).toBe(true);
    expect(ex('/etc/ssl/certs/a.pem')).toBe(false);
    expect(ex('/var/cache/apt')).toBe(true);
    expect(ex('/var/cache/apt/archives')).toBe(false); // excluded through its parent by the walk
    expect(ex('/srv/lost+found')).toBe(true);
  });

  it('treats regex characters literally and an empty list as nothing excluded', () => {
    expect(compileExclude(['/etc/a.b'])('/etc/aXb')).toBe(false);
    expect(compileExclude(['/etc/(x)'])('/etc/(x)')).toBe(true);
    expect(compileExclude([])('/etc/anything')).toBe(false);
  });
});
