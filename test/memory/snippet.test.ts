import { describe, expect, it } from 'vitest';
import { makeSnippet, searchTerms } from '../../src/memory/fts-query.js';

const snip = (body: string, query: string, max?: number) =>
  makeSnippet(body, searchTerms(query), '[', ']', max);

describe('makeSnippet', () => {
  it('highlights every occurrence of each query token, whatever its case', () => {
    expect(snip('systemctl restart NGINX then nginx.service', 'nginx')).toBe(
      'systemctl restart [NGINX] then [nginx].service',
    );
  });

  it('matches tokens the way unicode61 folds them (case and diacritics)', () => {
    expect(snip('Le café est prêt', 'CAFE pret')).toBe('Le [café] est [prêt]');
  });

  it('highlights the tokens of a quoted multi-token term and prefix terms', () => {
    expect(snip('apt-get install nginx-full', 'apt-get ngi*')).toBe('[apt]-[get] install [nginx]-full');
  });

  it('cuts long text around the densest cluster of matches, with ellipses', () => {
    const body = `${'lorem '.repeat(40)}the disk is full ${'ipsum '.repeat(40)}`;
    const out = snip(body, 'disk full', 8);
    expect(out.startsWith('…')).toBe(true);
    expect(out.endsWith('…')).toBe(true);
    expect(out).toContain('[disk] is [full]');
    expect(out.split(/\s+/).length).toBeLessThanOrEqual(10);
  });

  it('keeps short text whole, punctuation included', () => {
    expect(snip('{"path":"/etc/motd"}', 'motd')).toBe('{"path":"/etc/[motd]"}');
  });
});
