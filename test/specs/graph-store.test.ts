import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controllerFor } from '../../controllers/registry.js';
import { loadDesiredState } from '../../src/reconcile/desired-state.js';
import { buildGraph, type Graph, graphFromStored, storedGraph } from '../../src/specs/graph.js';
import { loadSpecs } from '../../src/specs/load-specs.js';
import { openSpecCache, specCachePath } from '../../src/specs/spec-cache.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function specsDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-graph-store-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'specs'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, 'specs', name), text);
  return dir;
}

const site = {
  'a.toml': `
[[service]]
name = "nginx"
state = "running"

[[file]]
path = "/etc/nginx/conf.d/site.conf"
content = "server {}\\n"
notify = ["service:nginx"]
`,
  'b.toml': `
[[package]]
name = "nginx"

[[directory]]
path = "/etc/nginx/conf.d"

[[directory]]
path = "/etc/nginx"
`,
};

const plain = (g: Graph) => ({
  order: g.order.map((r) => r.id),
  deps: [...g.deps.entries()],
  dependents: [...g.dependents.entries()],
  byId: [...g.byId.keys()],
});

describe('a stored dependency graph', () => {
  it('rebuilds exactly the graph buildGraph makes', async () => {
    const dir = specsDir(site);
    const { resources } = await loadSpecs(path.join(dir, 'specs'));
    const built = buildGraph(resources, controllerFor);
    const back = graphFromStored(resources, storedGraph(built, resources));
    expect(back && plain(back)).toEqual(plain(built));
    expect(plain(built).order.indexOf('directory:/etc/nginx')).toBeLessThan(
      plain(built).order.indexOf('directory:/etc/nginx/conf.d'),
    );
  });

  it('is refused when it does not fit the resources', async () => {
    const dir = specsDir(site);
    const { resources } = await loadSpecs(path.join(dir, 'specs'));
    const stored = storedGraph(buildGraph(resources, controllerFor), resources);
    expect(graphFromStored(resources.slice(1), stored)).toBeUndefined();
    expect(graphFromStored(resources, { ...stored, order: stored.order.map(() => 0) })).toBeUndefined();
    expect(graphFromStored(resources, { ...stored, deps: stored.deps.map(() => [99]) })).toBeUndefined();
  });

  it('is used by a cached load only for the same files, and the order follows an edit', async () => {
    const dir = specsDir(site);
    const specs = path.join(dir, 'specs');
    const data = path.join(dir, 'data');
    const first = await loadDesiredState(specs, { cacheDir: data });
    const cached = await loadDesiredState(specs, { cacheDir: data });
    expect(plain(cached.graph)).toEqual(plain(first.graph));
    const probe = openSpecCache(specCachePath(data, specs));
    for (const f of cached.files) probe.lookup(f, fs.readFileSync(f));
    expect(probe.graph(cached.files)?.count).toBe(5);
    // The file now runs after a package it requires: a new graph, not the stored one.
    fs.writeFileSync(
      path.join(specs, 'a.toml'),
      site['a.toml'].replace(
        'notify = ["service:nginx"]',
        'notify = ["service:nginx"]\nrequires = ["package:nginx"]',
      ),
    );
    const edited = await loadDesiredState(specs, { cacheDir: data });
    expect(edited.graph.deps.get('file:/etc/nginx/conf.d/site.conf')).toContain('package:nginx');
    expect(plain(edited.graph)).toEqual(plain(buildGraph([...edited.graph.byId.values()], controllerFor)));
  });
});
