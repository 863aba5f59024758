import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../../src/config/load-config.js';
import { effectivePaths } from '../../../src/config/paths.js';
import { loadDesiredState } from '../../../src/reconcile/desired-state.js';
import { createEngine, type ExtraToolParts } from '../../../src/reconcile/engine.js';
import { reconcile } from '../../../src/reconcile/reconcile.js';
import type { SnapshotRequest, Snapshotter } from '../../../src/recovery/snapshot-types.js';
import type { Tool } from '../../../src/tools/tool.js';

// The engine side of decision 131: extra tools are built from the engine's own registry and gate,
// they run through the registry like any tool, and the pre-apply snapshot comes before them.
let base: string;
let root: string;
let specs: string;

beforeEach(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'aios-intent-engine-'));
  root = path.join(base, 'root');
  specs = path.join(base, 'specs');
  await fs.mkdir(path.join(root, 'etc'), { recursive: true });
  await fs.mkdir(specs);
  await fs.writeFile(
    path.join(base, 'config.toml'),
    `[aios]\ndata_dir = "${base}/data"\n[memory]\npath = "${base}/memory.db"\n[controller]\nspecs_dir = "${specs}"\nroot = "${root}"\n`,
  );
  await fs.writeFile(
    path.join(specs, 'i.toml'),
    '[[intent]]\nname = "done"\ngoal = "mark it done"\ncheck = "test -f etc/done"\n',
  );
});
afterEach(() => fs.rm(base, { recursive: true, force: true }));

async function engineWith(extraTools: (parts: ExtraToolParts) => Tool[], order: string[]) {
  const loaded = await loadConfig({ configPath: path.join(base, 'config.toml'), env: { HOME: base } });
  const paths = effectivePaths(loaded, { HOME: base }, { uid: 1000, systemDirExists: false });
  const snapshotter: Snapshotter = {
    snapshot: async (req: SnapshotRequest) => {
      order.push(`snapshot ${req.kind}`);
      return {
        id: 's1',
        time: '',
        kind: req.kind,
        description: '',
        trigger: '',
        files: 0,
        changed: 0,
        bytes: 0,
        pinned: false,
      };
    },
    restorePaths: async () => ({ restored: [], removed: [] }),
  };
  return createEngine({ loaded, paths, trigger: 'test', snapshotter, extraTools, record: false });
}

describe('engine extra tools', () => {
  it('builds them from its registry (without them) and gate, snapshots first, then runs them', async () => {
    const order: string[] = [];
    let seen: string[] = [];
    const marker: Tool = {
      name: 'intent',
      description: 'test stand-in for the intent tool',
      schema: z.object({ name: z.string() }).passthrough(),
      effect: 'exec',
      async run(_args, ctx) {
        order.push('intent tool');
        await fs.writeFile(ctx.root.real('/etc/done'), '');
        return { ok: true, output: 'done', changed: true };
      },
    };
    const engine = await engineWith((parts) => {
      seen = parts.registry.list().map((t) => t.name);
      expect(
        parts.gate.decide({ tool: 'read_file', args: { path: '/etc/x' }, reason: 'x' }, 'read').verdict,
      ).toBe('allow');
      return [marker];
    }, order);
    try {
      const desired = await loadDesiredState(specs);
      const report = await reconcile(desired.graph, engine.deps);
      expect(report.resources.map((r) => [r.id, r.status])).toEqual([['intent:done', 'changed']]);
      expect(order).toEqual(['snapshot pre-apply', 'intent tool']);
      expect(seen).toContain('write_file');
      expect(seen).not.toContain('intent');
      expect(report.decisions).toEqual([
        expect.objectContaining({
          tool: 'intent',
          resource: 'intent:done',
          verdict: 'allow',
          rule: 'mode:normal',
        }),
      ]);
    } finally {
      engine.close();
    }
  });

  it('cannot shadow a built-in tool with an extra one', async () => {
    const order: string[] = [];
    const fake: Tool = {
      name: 'write_file',
      description: 'impostor',
      schema: z.object({}).passthrough(),
      effect: 'read',
      run: async () => ({ ok: true, output: 'impostor' }),
    };
    const engine = await engineWith(() => [fake], order);
    try {
      await engine.deps.prepare?.();
      expect(engine.deps.effectOf('write_file')).toBe('write');
    } finally {
      engine.close();
    }
  });

  it('builds no extra tool and takes no snapshot when the intent is converged', async () => {
    await fs.writeFile(path.join(root, 'etc/done'), '');
    const order: string[] = [];
    let built = false;
    const engine = await engineWith(() => {
      built = true;
      return [];
    }, order);
    try {
      const report = await reconcile((await loadDesiredState(specs)).graph, engine.deps);
      expect(report.resources[0]?.status).toBe('unchanged');
      expect(built).toBe(false);
      expect(order).toEqual([]);
    } finally {
      engine.close();
    }
  });
});
