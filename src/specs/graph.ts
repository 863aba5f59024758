// The dependency graph of loaded resources: explicit `requires`, `notify` (the notifier runs before
// the resource it notifies), and the controllers' implicit edges (a file after its parent directory,
// a service after its package, a file after the user that owns it) when their target is declared.
// Produces one deterministic order; it never looks at the host.
import { UserInputError, ValidationError } from '../errors.js';
import type { Resource, ResourceId } from '../types.js';
import { type ControllerLookup, where } from './load-specs.js';
import type { StoredGraph } from './spec-cache.js';

export interface Graph {
  /** Resources in a deterministic dependency order (ties keep declaration order). */
  order: Resource[];
  /** id → ids it must run after. */
  deps: Map<ResourceId, ResourceId[]>;
  /** id → ids that must run after it. */
  dependents: Map<ResourceId, ResourceId[]>;
  byId: Map<ResourceId, Resource>;
}

export function buildGraph(resources: Resource[], lookup: ControllerLookup): Graph {
  const byId = new Map(resources.map((r) => [r.id, r]));
  const index = new Map(resources.map((r, i) => [r.id, i]));
  const deps = new Map<ResourceId, Set<ResourceId>>(resources.map((r) => [r.id, new Set()]));
  const problems: UserInputError[] = [];
  const loc = (r: Resource, key: string) => ({
    file: r.source.file,
    ...(r.source.line !== undefined ? { line: r.source.line } : {}),
    key,
  });
  for (const r of resources) {
    const mine = deps.get(r.id) as Set<ResourceId>;
    for (const target of r.requires) {
      if (!byId.has(target)) {
        problems.push(
          new UserInputError(`${r.id} requires ${target}, which no spec declares`, loc(r, 'requires')),
        );
      } else if (target !== r.id) mine.add(target);
    }
    for (const target of r.notify) {
      if (!byId.has(target)) {
        problems.push(
          new UserInputError(`${r.id} notifies ${target}, which no spec declares`, loc(r, 'notify')),
        );
      } else if (target !== r.id) deps.get(target)?.add(r.id);
    }
    const implicit = lookup(r.kind)?.implicitRequires?.(r.spec) ?? [];
    for (const target of implicit) {
      if (target !== r.id && byId.has(target)) mine.add(target);
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);

  const sortedDeps = new Map<ResourceId, ResourceId[]>();
  const dependents = new Map<ResourceId, ResourceId[]>(resources.map((r) => [r.id, []]));
  for (const r of resources) {
    const set = deps.get(r.id) as Set<ResourceId>;
    const list = [...set];
    if (list.length > 1) list.sort((a, b) => (index.get(a) ?? 0) - (index.get(b) ?? 0));
    sortedDeps.set(r.id, list);
    for (const d of list) dependents.get(d)?.push(r.id);
  }

  // Kahn's algorithm; the ready set is a heap on declaration index so the order is stable.
  const remaining = new Map(resources.map((r) => [r.id, sortedDeps.get(r.id)?.length ?? 0]));
  const ready = new MinHeap();
  resources.forEach((r, i) => {
    if (remaining.get(r.id) === 0) ready.push(i);
  });
  const order: Resource[] = [];
  while (ready.size > 0) {
    const r = resources[ready.pop()] as Resource;
    order.push(r);
    for (const next of dependents.get(r.id) ?? []) {
      const left = (remaining.get(next) ?? 0) - 1;
      remaining.set(next, left);
      if (left === 0) ready.push(index.get(next) ?? 0);
    }
  }
  if (order.length < resources.length) {
    const cycle = findCycle(resources, sortedDeps, new Set(order.map((r) => r.id)));
    const first = byId.get(cycle[0] ?? '') as Resource;
    throw new ValidationError([
      new UserInputError(
        `dependency cycle: ${cycle.join(' → ')} (declared at ${cycle
          .slice(0, -1)
          .map((id) => `${id} ${where(byId.get(id) as Resource)}`)
          .join(', ')})`,
        loc(first, 'requires'),
      ),
    ]);
  }
  return { order, deps: sortedDeps, dependents, byId };
}

/** The graph as indexes into `resources` (the loader's order), for the spec cache. */
export function storedGraph(graph: Graph, resources: Resource[]): StoredGraph {
  const index = new Map(resources.map((r, i) => [r.id, i]));
  const at = (id: ResourceId) => index.get(id) as number;
  return {
    count: resources.length,
    order: graph.order.map((r) => at(r.id)),
    deps: resources.map((r) => (graph.deps.get(r.id) ?? []).map(at)),
  };
}

/**
 * The graph buildGraph would make, from its stored indexes; undefined when they do not fit these
 * resources (then the caller builds it). Only valid for the very resources it was stored for: the
 * cache hands it out only for the same files with the same contents.
 */
export function graphFromStored(resources: Resource[], stored: StoredGraph): Graph | undefined {
  const n = resources.length;
  if (stored.count !== n || stored.order.length !== n || stored.deps.length !== n) return undefined;
  const ok = (i: number) => Number.isInteger(i) && i >= 0 && i < n;
  const byId = new Map<ResourceId, Resource>();
  const deps = new Map<ResourceId, ResourceId[]>();
  const dependents = new Map<ResourceId, ResourceId[]>();
  for (const r of resources) {
    byId.set(r.id, r);
    dependents.set(r.id, []);
  }
  for (let i = 0; i < n; i++) {
    const r = resources[i] as Resource;
    const list = stored.deps[i] as number[];
    if (!list.every(ok)) return undefined;
    const ids = list.map((d) => (resources[d] as Resource).id);
    deps.set(r.id, ids);
    for (const d of ids) dependents.get(d)?.push(r.id);
  }
  if (!stored.order.every(ok) || new Set(stored.order).size !== n) return undefined;
  return { order: stored.order.map((i) => resources[i] as Resource), deps, dependents, byId };
}

/** One cycle among the resources Kahn could not order, as ids ending where they started. */
function findCycle(
  resources: Resource[],
  deps: Map<ResourceId, ResourceId[]>,
  done: Set<ResourceId>,
): string[] {
  const state = new Map<ResourceId, 1 | 2>();
  const stack: ResourceId[] = [];
  const visit = (id: ResourceId): string[] | undefined => {
    state.set(id, 1);
    stack.push(id);
    for (const d of deps.get(id) ?? []) {
      if (done.has(d)) continue;
      if (state.get(d) === 1) {
        // Report in "runs before" direction: a requires b requires a reads a → b → a.
        return [...stack.slice(stack.indexOf(d)), d];
      }
      if (!state.has(d)) {
        const found = visit(d);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 2);
    return undefined;
  };
  for (const r of resources) {
    if (done.has(r.id) || state.has(r.id)) continue;
    const found = visit(r.id);
    if (found) return found;
  }
  return [];
}

class MinHeap {
  private items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(v: number): void {
    const a = this.items;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((a[p] as number) <= v) break;
      a[i] = a[p] as number;
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.items;
    const top = a[0] as number;
    const last = a.pop() as number;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mv = last;
        if (l < a.length && (a[l] as number) < mv) {
          m = l;
          mv = a[l] as number;
        }
        if (r < a.length && (a[r] as number) < mv) m = r;
        if (m === i) break;
        a[i] = a[m] as number;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}

/** Every resource that (transitively) depends on `id`. */
export function dependentsOf(graph: Graph, id: ResourceId): Set<ResourceId> {
  const out = new Set<ResourceId>();
  const todo = [...(graph.dependents.get(id) ?? [])];
  while (todo.length > 0) {
    const next = todo.pop() as ResourceId;
    if (out.has(next)) continue;
    out.add(next);
    todo.push(...(graph.dependents.get(next) ?? []));
  }
  return out;
}
