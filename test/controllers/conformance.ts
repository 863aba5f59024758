// THE controller conformance suite (issue 6): every resource kind passes the same life cycle against
// a temp root — observe → diff non-empty → apply → diff empty → apply again is a no-op (empty
// plan, nothing written) → external drift detected → repaired. A kind is "done" when its
// test/controllers/<kind>.conformance.test.ts passes. Apply goes straight through the tool
// registry (executeAction), without the policy gate: the gate is tested on its own.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandGuard, CommonSpec, Controller, ObserveContext } from '../../controllers/controller.js';
import { controllerFor } from '../../controllers/registry.js';
import { specSchemaFor } from '../../controllers/spec-schemas.js';
import { ContentStamps } from '../../src/host/content-stamps.js';
import { type ProcessRunner, spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { executeAction } from '../../src/tools/execute.js';
import { createRegistry, registryOf } from '../../src/tools/registry.js';
import type { Tool, ToolContext } from '../../src/tools/tool.js';
import type { Action, Change } from '../../src/types.js';

// biome-ignore lint/suspicious/noExplicitAny: a case may test a controller of any spec/observed type
type AnyController = Controller<any, any>;
type Awaitable<T> = T | Promise<T>;

export interface ConformanceDirs {
  /** The temp directory used as `--root` (the resource's host paths live under it). */
  root: string;
  /** The directory the spec file "lives in" (relative `source` paths resolve here). */
  specDir: string;
}

export interface ConformanceCase {
  /**
   * Resource kind, e.g. "file"; the controller is taken from controllers/registry.ts and the schema
   * from controllers/spec-schemas.ts.
   */
  kind: string;
  /** What this case covers, e.g. "inline content with mode and owner". */
  title: string;
  /** Use this controller instead of the registry's (rarely needed). */
  controller?: AnyController;
  /** Prepare the root (parent directories, account files, a fake dpkg database, ...). */
  setup?: (rootDir: string, dirs: ConformanceDirs) => Awaitable<void>;
  /** The raw `[[kind]]` table as a spec file would hold it; parsed with the kind's schema. */
  spec: (rootDir: string, dirs: ConformanceDirs) => Record<string, unknown>;
  /** Change the host behind aios's back so that the resource is no longer converged. */
  drift: (rootDir: string, dirs: ConformanceDirs) => Awaitable<void>;
  /**
   * Runner for observe and the tools. Default: the real spawnRunner. Kinds whose commands cannot run
   * here (apt-get, systemctl start) pass a fake, or `makeRunner` to build one that keeps its state
   * under the temp root (called after setup).
   */
  runner?: ProcessRunner;
  makeRunner?: (rootDir: string, dirs: ConformanceDirs) => ProcessRunner;
  /** Extra assertions on the resulting host state after each convergence. */
  extraCheck?: (rootDir: string, phase: 'applied' | 'repaired', dirs: ConformanceDirs) => Awaitable<void>;
  /** Host paths (under the root) that may change during a no-op run, e.g. a fake runner's log. */
  volatilePaths?: string[];
  /** The gate for commands observe runs itself (an intent's check); absent: none in the context. */
  guard?: (rootDir: string, dirs: ConformanceDirs) => CommandGuard;
  /** Tools beyond the registry's that this kind's actions name (the intent tool), built after setup. */
  extraTools?: (rootDir: string, dirs: ConformanceDirs, base: Registry) => Tool[];
}

export interface Planned {
  observed: unknown;
  changes: Change[];
  actions: Action[];
}

/** observe → diff → plan, exactly what `aios diff` runs for one resource. */
export async function planResource(
  controller: AnyController,
  spec: CommonSpec,
  ctx: ObserveContext,
): Promise<Planned> {
  const observed = await controller.observe(spec, ctx);
  const changes = controller.diff(spec, observed);
  const actions = changes.length === 0 ? [] : controller.plan(changes, spec, observed);
  return { observed, changes, actions };
}

type Registry = Awaited<ReturnType<typeof createRegistry>>;
let sharedRegistry: Registry | undefined;

export async function toolRegistry(): Promise<Registry> {
  sharedRegistry ??= await createRegistry();
  return sharedRegistry;
}

export function toolContext(rootDir: string, runner: ProcessRunner = spawnRunner): ToolContext {
  return { root: new RootPath(rootDir), runner, sandbox: false };
}

/** Run actions in order through the tool registry; the first failure throws with the tool's output. */
export async function applyActions(
  actions: Action[],
  ctx: ToolContext,
  registry: Registry | undefined = undefined,
): Promise<void> {
  registry ??= await toolRegistry();
  for (const action of actions) {
    const result = await executeAction(registry, action, ctx);
    if (!result.ok) {
      throw new Error(
        `${action.tool} ${JSON.stringify(action.args)} failed: ${result.output} ${result.stderr ?? ''}`,
      );
    }
  }
}

/** Every path under dir with the stat fields a write, chmod, chown, rename or touch would change. */
export async function treeFingerprint(dir: string, volatile: string[] = []): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const skip = new Set(volatile.map((p) => path.join(dir, p)));
  const walk = async (d: string): Promise<void> => {
    const names = (await fs.readdir(d)).sort();
    for (const name of names) {
      const full = path.join(d, name);
      if (skip.has(full)) continue;
      const st = await fs.lstat(full);
      out.set(
        path.relative(dir, full),
        [st.ino, st.mode, st.uid, st.gid, st.size, st.mtimeMs, st.ctimeMs].join(':'),
      );
      if (st.isDirectory()) await walk(full);
    }
  };
  const top = await fs.lstat(dir);
  out.set('.', [top.ino, top.mode, top.uid, top.gid, top.mtimeMs, top.ctimeMs].join(':'));
  await walk(dir);
  return out;
}

export async function makeTempDirs(prefix = 'aios-conf-'): Promise<ConformanceDirs & { base: string }> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const root = path.join(base, 'root');
  const specDir = path.join(base, 'specs');
  await fs.mkdir(root);
  await fs.mkdir(specDir);
  return { base, root, specDir };
}

/** Register the conformance tests of one case (call at the top level of a test file). */
export function runConformance(c: ConformanceCase): void {
  describe(`${c.kind} conformance: ${c.title}`, () => {
    let dirs: ConformanceDirs & { base: string };
    let controller: AnyController;
    let spec: CommonSpec;
    let runner: ProcessRunner;
    let ctx: ObserveContext;
    let id: string;
    let registry: Registry;

    const plan = () => planResource(controller, spec, ctx);
    const apply = (actions: Action[]) => applyActions(actions, toolContext(dirs.root, runner), registry);

    beforeAll(async () => {
      dirs = await makeTempDirs(`aios-conf-${c.kind}-`);
      const found = c.controller ?? controllerFor(c.kind);
      if (!found) throw new Error(`no controller for kind "${c.kind}" in controllers/registry.ts`);
      controller = found;
      await c.setup?.(dirs.root, dirs);
      runner = c.makeRunner?.(dirs.root, dirs) ?? c.runner ?? spawnRunner;
      // With notes of what was read (decision 183), as diff, apply and the daemon observe: drift must
      // still be seen through them.
      ctx = { root: new RootPath(dirs.root), runner, specDir: dirs.specDir, stamps: ContentStamps.empty() };
      if (c.guard) ctx.guard = c.guard(dirs.root, dirs);
      const base = await toolRegistry();
      registry = c.extraTools ? registryOf([...base.list(), ...c.extraTools(dirs.root, dirs, base)]) : base;
    });

    afterAll(async () => {
      if (dirs) await fs.rm(dirs.base, { recursive: true, force: true });
    });

    it('accepts the spec with its schema and names the resource', () => {
      const schema = specSchemaFor(c.kind);
      if (!schema) throw new Error(`no schema for kind "${c.kind}" in controllers/spec-schemas.ts`);
      const parsed = schema.safeParse(c.spec(dirs.root, dirs));
      expect(parsed.error?.issues ?? []).toEqual([]);
      spec = parsed.data as CommonSpec;
      const name = controller.name(spec);
      expect(name.length).toBeGreaterThan(0);
      id = `${controller.kind}:${name}`;
      // The graph and the daemon's watcher take these as given: ids `kind:name`, absolute host paths.
      for (const dep of controller.implicitRequires?.(spec) ?? [])
        expect(dep).toMatch(/^[a-z][a-z0-9_]*:.+$/);
      for (const p of controller.watchPaths?.(spec) ?? []) expect(p.startsWith('/')).toBe(true);
    });

    it('observes a fresh root without writing and reports changes', async () => {
      const before = await treeFingerprint(dirs.root, c.volatilePaths);
      const first = await plan();
      expect(await treeFingerprint(dirs.root, c.volatilePaths)).toEqual(before);
      expect(first.changes.length).toBeGreaterThan(0);
      expect(first.actions.length).toBeGreaterThan(0);
      // Plans are data: deterministic, JSON-safe, one valid tool call each, labelled with the resource.
      const again = await plan();
      expect(again.changes).toEqual(first.changes);
      expect(again.actions).toEqual(first.actions);
      expect(JSON.parse(JSON.stringify(first.actions))).toEqual(first.actions);
      for (const action of first.actions) {
        const tool = registry.get(action.tool);
        expect(tool, `tool ${action.tool}`).toBeDefined();
        expect(tool?.schema.safeParse(action.args).error?.issues ?? []).toEqual([]);
        expect(action.resource).toBe(id);
        expect(action.reason.length).toBeGreaterThan(0);
      }
      for (const change of first.changes) expect(typeof change.field).toBe('string');
    });

    it('keeps diff and plan pure: they neither mutate the observed state nor the spec', async () => {
      const observed = (await plan()).observed;
      const snapshot = JSON.stringify(observed);
      const frozen = deepFreeze(structuredClone(observed));
      const frozenSpec = deepFreeze(structuredClone(spec));
      // Writing to a frozen object throws in ES modules (strict mode), so a mutation fails here.
      const changes = controller.diff(frozenSpec, frozen);
      controller.plan(changes, frozenSpec, frozen);
      expect(JSON.stringify(observed)).toBe(snapshot);
    });

    it('converges after one apply', async () => {
      await apply((await plan()).actions);
      const after = await plan();
      expect(after.changes).toEqual([]);
      expect(after.actions).toEqual([]);
      await c.extraCheck?.(dirs.root, 'applied', dirs);
    });

    it('does nothing on a second apply: empty plan and no writes', async () => {
      const before = await treeFingerprint(dirs.root, c.volatilePaths);
      const second = await plan();
      expect(second.changes).toEqual([]);
      expect(second.actions).toEqual([]);
      await apply(second.actions);
      expect(await treeFingerprint(dirs.root, c.volatilePaths)).toEqual(before);
    });

    it('detects drift made behind its back', async () => {
      await c.drift(dirs.root, dirs);
      const drifted = await plan();
      expect(drifted.changes.length).toBeGreaterThan(0);
      expect(drifted.actions.length).toBeGreaterThan(0);
    });

    it('repairs the drift and is converged again', async () => {
      await apply((await plan()).actions);
      const after = await plan();
      expect(after.changes).toEqual([]);
      await c.extraCheck?.(dirs.root, 'repaired', dirs);
    });
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
