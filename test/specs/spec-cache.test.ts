import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSpecCache, specCachePath } from '../../src/specs/spec-cache.js';
import type { Resource } from '../../src/types.js';

let dir: string;
let cacheFile: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-spec-cache-'));
  cacheFile = specCachePath(path.join(dir, 'data'), path.join(dir, 'specs'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const specFile = () => path.join(dir, 'specs', 'web.toml');
const text = '[[file]]\npath = "/etc/motd"\ncontent = "hi"\n';

function fileResource(spec: Record<string, unknown>): Resource {
  return {
    kind: 'file',
    name: String(spec.path),
    id: `file:${String(spec.path)}`,
    spec,
    requires: [],
    notify: [],
    source: { file: specFile(), line: 1 },
  };
}

function rememberOne(resources: Resource[], stamp = 'build-1'): void {
  const cache = openSpecCache(cacheFile, stamp);
  expect(cache.lookup(specFile(), Buffer.from(text))).toBeUndefined();
  cache.remember(specFile(), Buffer.from(text), resources);
  cache.save([specFile()]);
}

describe('the spec cache', () => {
  it('gives back what a file validated into, for the same text under the same build', () => {
    rememberOne([fileResource({ path: '/etc/motd', content: 'hi', mode: '0644' })]);
    const hit = openSpecCache(cacheFile, 'build-1').lookup(specFile(), Buffer.from(text));
    expect(hit?.map((r) => [r.id, r.spec])).toEqual([
      ['file:/etc/motd', { path: '/etc/motd', content: 'hi', mode: '0644' }],
    ]);
    expect(fs.statSync(cacheFile).mode & 0o777).toBe(0o600);
  });

  it('stores a copy: what the loader fills in later never reaches the cache', () => {
    const resources = [fileResource({ path: '/srv', managed_children: [] })];
    const cache = openSpecCache(cacheFile, 'b');
    cache.remember(specFile(), Buffer.from(text), resources);
    (resources[0] as Resource).spec.managed_children = ['/srv/a'];
    cache.save([specFile()]);
    const hit = openSpecCache(cacheFile, 'b').lookup(specFile(), Buffer.from(text));
    expect(hit?.[0]?.spec.managed_children).toEqual([]);
  });

  it('misses when one byte of the file changed', () => {
    rememberOne([fileResource({ path: '/etc/motd', content: 'hi' })]);
    expect(
      openSpecCache(cacheFile, 'build-1').lookup(specFile(), Buffer.from(text.replace('hi', 'ho'))),
    ).toBeUndefined();
  });

  it('misses for a cache another build of aios wrote', () => {
    rememberOne([fileResource({ path: '/etc/motd', content: 'hi' })], 'build-1');
    expect(openSpecCache(cacheFile, 'build-2').lookup(specFile(), Buffer.from(text))).toBeUndefined();
  });

  it('never stores a file that declares a sensitive resource', () => {
    rememberOne([fileResource({ path: '/etc/secret', content: 'hunter2', sensitive: true })]);
    expect(fs.existsSync(cacheFile) ? fs.readFileSync(cacheFile).includes('hunter2') : false).toBe(false);
    expect(openSpecCache(cacheFile, 'build-1').lookup(specFile(), Buffer.from(text))).toBeUndefined();
  });

  it('misses when a `source` file it names has gone, so the loader reports it', () => {
    const src = path.join(dir, 'motd.src');
    fs.writeFileSync(src, 'x');
    rememberOne([fileResource({ path: '/etc/motd', source: src })]);
    expect(openSpecCache(cacheFile, 'build-1').lookup(specFile(), Buffer.from(text))).toHaveLength(1);
    fs.rmSync(src);
    expect(openSpecCache(cacheFile, 'build-1').lookup(specFile(), Buffer.from(text))).toBeUndefined();
  });

  it('ignores a cache file others could have written', () => {
    rememberOne([fileResource({ path: '/etc/motd', content: 'hi' })]);
    fs.chmodSync(cacheFile, 0o620);
    expect(openSpecCache(cacheFile, 'build-1').lookup(specFile(), Buffer.from(text))).toBeUndefined();
  });

  it('treats a torn cache file as empty and replaces it on save', () => {
    rememberOne([fileResource({ path: '/etc/motd', content: 'hi' })]);
    fs.writeFileSync(cacheFile, fs.readFileSync(cacheFile).subarray(0, 20));
    const cache = openSpecCache(cacheFile, 'build-1');
    expect(cache.lookup(specFile(), Buffer.from(text))).toBeUndefined();
    cache.remember(specFile(), Buffer.from(text), [fileResource({ path: '/etc/motd', content: 'hi' })]);
    cache.save([specFile()]);
    expect(openSpecCache(cacheFile, 'build-1').lookup(specFile(), Buffer.from(text))).toHaveLength(1);
  });

  it('drops files that were not read this time (a removed spec file leaves no entry)', () => {
    rememberOne([fileResource({ path: '/etc/motd', content: 'hi' })]);
    openSpecCache(cacheFile, 'build-1').save([]);
    expect(openSpecCache(cacheFile, 'build-1').lookup(specFile(), Buffer.from(text))).toBeUndefined();
  });

  it('keeps one cache file per specs directory', () => {
    expect(specCachePath('/d', '/a/specs')).not.toBe(specCachePath('/d', '/b/specs'));
    expect(path.dirname(specCachePath('/d', '/a/specs'))).toBe('/d/cache');
  });
});
