import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { buildGraph, dependentsOf } from '../../src/specs/graph.js';
import type { Resource } from '../../src/types.js';
import { fakeLookup } from './fake-kinds.js';

let line = 0;
function res(kind: string, name: string, extra: Partial<Resource> = {}): Resource {
  line++;
  const spec = kind === 'file' || kind === 'directory' ? { path: name } : { name };
  return {
    kind,
    name,
    id: `${kind}:${name}`,
    spec: { ...spec, ...(extra.spec ?? {}) },
    requires: extra.requires ?? [],
    notify: extra.notify ?? [],
    source: { file: '/specs/site.toml', line },
  };
}

const ids = (rs: Resource[]) => rs.map((r) => r.id);

describe('buildGraph', () => {
  it('orders a file after its parent directory, a service after its package and notifying files', () => {
    const rs = [
      res('service', 'nginx'),
      res('file', '/etc/nginx/site.conf', { notify: ['service:nginx'] }),
      res('directory', '/etc/nginx'),
      res('package', 'nginx'),
    ];
    const g = buildGraph(rs, fakeLookup);
    const order = ids(g.order);
    expect(order.indexOf('directory:/etc/nginx')).toBeLessThan(order.indexOf('file:/etc/nginx/site.conf'));
    expect(order.indexOf('package:nginx')).toBeLessThan(order.indexOf('service:nginx'));
    expect(order.indexOf('file:/etc/nginx/site.conf')).toBeLessThan(order.indexOf('service:nginx'));
    expect(g.deps.get('service:nginx')).toEqual(['file:/etc/nginx/site.conf', 'package:nginx']);
  });

  it('orders a user before the files it owns, and ignores implicit edges to undeclared resources', () => {
    const rs = [res('file', '/home/app/.profile', { spec: { owner: 'app' } }), res('user', 'app')];
    const g = buildGraph(rs, fakeLookup);
    expect(ids(g.order)).toEqual(['user:app', 'file:/home/app/.profile']);
    expect(g.deps.get('file:/home/app/.profile')).toEqual(['user:app']);
  });

  it('keeps declaration order for independent resources', () => {
    const rs = [res('package', 'c'), res('package', 'a'), res('package', 'b')];
    expect(ids(buildGraph(rs, fakeLookup).order)).toEqual(['package:c', 'package:a', 'package:b']);
  });

  it('is deterministic across runs', () => {
    const rs = Array.from({ length: 50 }, (_, i) =>
      res('package', `p${i}`, { requires: i % 7 === 0 && i > 0 ? [`package:p${i - 1}`] : [] }),
    );
    expect(ids(buildGraph(rs, fakeLookup).order)).toEqual(ids(buildGraph([...rs], fakeLookup).order));
  });

  it('refuses a requires of an undeclared id, naming the spec file and line', () => {
    const r = res('service', 'web', { requires: ['package:missing'] });
    try {
      buildGraph([r], fakeLookup);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      const msg = (e as ValidationError).message;
      expect(msg).toContain(`/specs/site.toml:${r.source.line}`);
      expect(msg).toContain('requires package:missing');
    }
  });

  it('names the cycle when resources require each other', () => {
    const rs = [
      res('package', 'a', { requires: ['package:b'] }),
      res('package', 'b', { requires: ['package:c'] }),
      res('package', 'c', { requires: ['package:a'] }),
      res('package', 'free'),
    ];
    expect(() => buildGraph(rs, fakeLookup)).toThrow(
      /dependency cycle: package:a → package:b → package:c → package:a/,
    );
  });

  it('finds a cycle made by notify and requires together', () => {
    const rs = [res('service', 's', { notify: ['package:p'], requires: ['package:p'] }), res('package', 'p')];
    expect(() => buildGraph(rs, fakeLookup)).toThrow(
      /dependency cycle: (service:s → package:p → service:s|package:p → service:s → package:p)/,
    );
  });

  it('lists transitive dependents', () => {
    const rs = [
      res('package', 'a'),
      res('package', 'b', { requires: ['package:a'] }),
      res('package', 'c', { requires: ['package:b'] }),
      res('package', 'd'),
    ];
    const g = buildGraph(rs, fakeLookup);
    expect([...dependentsOf(g, 'package:a')].sort()).toEqual(['package:b', 'package:c']);
  });
});

describe('notify targets', () => {
  it('refuses a notify of an undeclared id', () => {
    const r = res('file', '/etc/x.conf', { notify: ['service:ghost'] });
    expect(() => buildGraph([r], fakeLookup)).toThrow(/notifies service:ghost, which no spec declares/);
  });
});
