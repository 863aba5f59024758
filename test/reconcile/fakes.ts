// Fakes for loop tests: an in-memory "host" of files and services, a controller for each, a
// rule-table gate, a recording snapshotter and an executor that applies actions to the fake host.
import { z } from 'zod';
import type { Controller } from '../../controllers/controller.js';
import { RootPath } from '../../src/host/root-path.js';
import type { PolicyGate } from '../../src/policy/gate-types.js';
import type { ReconcileDeps } from '../../src/reconcile/reconcile.js';
import type { SnapshotRequest, Snapshotter } from '../../src/recovery/snapshot-types.js';
import { buildGraph } from '../../src/specs/graph.js';
import type { ToolResult } from '../../src/tools/tool.js';
import type { Action, Decision, Resource } from '../../src/types.js';

export class FakeHost {
  files = new Map<string, string>();
  restarts: string[] = [];
  executed: Action[] = [];
  /** Paths whose writes "succeed" without changing anything (verify must catch it). */
  lying = new Set<string>();
  /** Paths whose writes fail. */
  broken = new Set<string>();
}

const memSchema = z.strictObject({
  path: z.string(),
  content: z.string(),
  requires: z.array(z.string()).optional(),
  notify: z.array(z.string()).optional(),
});
type Mem = z.infer<typeof memSchema>;

export function memController(host: FakeHost): Controller<Mem, { exists: boolean; content?: string }> {
  return {
    kind: 'file',
    name: (s) => s.path,
    observe: async (s) => {
      if (s.path === '/boom') throw new Error('cannot read /boom');
      return host.files.has(s.path)
        ? { exists: true, content: host.files.get(s.path) as string }
        : { exists: false };
    },
    diff: (s, o) =>
      o.content === s.content
        ? []
        : [
            ...(o.content === undefined ? [{ field: 'state', before: 'absent', after: 'present' }] : []),
            { field: 'content', before: o.content ?? null, after: s.content },
          ],
    plan: (_c, s) => [
      { tool: 'write_file', args: { path: s.path, content: s.content }, reason: 'content differs' },
    ],
    watchPaths: (s) => [s.path],
  };
}

const svcSchema = z.strictObject({
  name: z.string(),
  requires: z.array(z.string()).optional(),
  notify: z.array(z.string()).optional(),
});
export function svcController(): Controller<z.infer<typeof svcSchema>, unknown> {
  return {
    kind: 'service',
    name: (s) => s.name,
    observe: async () => ({}),
    diff: () => [],
    plan: () => [],
    onNotify: (s) => [{ tool: 'service_restart', args: { name: s.name }, reason: 'notified' }],
  };
}

export function gateFrom(rules: Record<string, Decision['verdict']>): PolicyGate & { asked: Action[] } {
  const asked: Action[] = [];
  return {
    asked,
    decide(action) {
      asked.push(action);
      const key = `${action.tool} ${String(action.args.path ?? action.args.name ?? '')}`;
      const verdict = rules[key] ?? 'allow';
      return {
        verdict,
        rule: verdict === 'allow' ? 'default-allow' : `rule:${key}`,
        reason: `test rule for ${key}`,
      };
    },
  };
}

export class FakeSnapshots implements Snapshotter {
  taken: SnapshotRequest[] = [];
  restored: { id: string; paths: string[] }[] = [];
  constructor(private readonly host: FakeHost) {}
  private saved = new Map<string, Map<string, string>>();
  async snapshot(request: SnapshotRequest) {
    const id = `snap-${this.taken.length + 1}`;
    this.taken.push(request);
    this.saved.set(id, new Map(this.host.files));
    return {
      id,
      time: '',
      kind: request.kind,
      description: '',
      trigger: '',
      files: 0,
      changed: 0,
      bytes: 0,
      pinned: false,
    };
  }
  async restorePaths(id: string, paths: string[]) {
    this.restored.push({ id, paths });
    const old = this.saved.get(id) as Map<string, string>;
    const restored: string[] = [];
    const removed: string[] = [];
    for (const p of paths) {
      if (old.has(p)) {
        this.host.files.set(p, old.get(p) as string);
        restored.push(p);
      } else if (this.host.files.delete(p)) removed.push(p);
    }
    return { restored, removed };
  }
}

export function executor(host: FakeHost) {
  return async (a: Action): Promise<ToolResult> => {
    host.executed.push(a);
    if (a.tool === 'write_file') {
      const p = String(a.args.path);
      if (host.broken.has(p)) return { ok: false, output: '', stderr: `EACCES: ${p}`, exitCode: 1 };
      if (!host.lying.has(p)) host.files.set(p, String(a.args.content));
      return { ok: true, output: 'written', changed: true };
    }
    if (a.tool === 'service_restart') {
      host.restarts.push(String(a.args.name));
      return { ok: true, output: 'restarted', changed: true };
    }
    return { ok: false, output: `unknown tool ${a.tool}` };
  };
}

let line = 0;
export function file(
  p: string,
  content: string,
  extra: { requires?: string[]; notify?: string[] } = {},
): Resource {
  return {
    kind: 'file',
    name: p,
    id: `file:${p}`,
    spec: { path: p, content },
    requires: extra.requires ?? [],
    notify: extra.notify ?? [],
    source: { file: '/specs/test.toml', line: ++line },
  };
}

export function service(name: string, extra: { requires?: string[] } = {}): Resource {
  return {
    kind: 'service',
    name,
    id: `service:${name}`,
    spec: { name },
    requires: extra.requires ?? [],
    notify: [],
    source: { file: '/specs/test.toml', line: ++line },
  };
}

export function setup(resources: Resource[], opts: Partial<ReconcileDeps> = {}) {
  const host = new FakeHost();
  const controllers = [memController(host), svcController()];
  const lookup = (kind: string) => controllers.find((c) => c.kind === kind);
  const graph = buildGraph(resources, lookup);
  const snapshots = new FakeSnapshots(host);
  const gate = gateFrom({});
  const deps: ReconcileDeps = {
    lookup,
    root: new RootPath('/nonexistent-fake-root'),
    runner: async (command) => ({
      command,
      exitCode: 127,
      signal: null,
      stdout: '',
      stderr: 'no processes in tests',
      truncated: false,
      timedOut: false,
      durationMs: 0,
    }),
    gate,
    effectOf: (tool) => (tool === 'service_restart' ? 'exec' : 'write'),
    execute: executor(host),
    snapshotter: snapshots,
    ...opts,
  };
  return { host, graph, snapshots, deps, gate };
}
