// Carries out an `aios init` plan (cli/init-plan.ts) under a root, step by step, through the host
// adapters: it creates what is missing, never overwrites the config or an example file, rewrites
// only the files aios generates (unit, tmpfiles entry) when they differ, and leaves existing
// directories' modes alone (it reports them; `aios doctor` says how to fix). A second run changes
// nothing. A failed step is reported and the rest still run. No terminal code here.
import fs from 'node:fs';
import path from 'node:path';
import { readAccounts } from '../src/host/accounts.js';
import { createFileExclusive } from '../src/host/create-exclusive.js';
import { formatMode } from '../src/host/fs-info.js';
import { ensureDir, ensureFile } from '../src/host/fs-ops.js';
import type { ProcessRunner } from '../src/host/process-runner.js';
import type { RootPath } from '../src/host/root-path.js';
import { setUnitEnabled, unitEnabledState } from '../src/host/systemd.js';
import { addGroup, observeGroup } from '../src/host/users.js';
import type { InitStep, Owner } from './init-plan.js';

export type StepStatus =
  | 'created'
  | 'updated'
  | 'enabled'
  | 'reloaded'
  | 'exists'
  | 'kept'
  | 'unchanged'
  | 'failed';

export interface StepResult {
  status: StepStatus;
  /** A host path, a group or a unit name. */
  target: string;
  detail: string;
}

export const CHANGE_STATUSES: ReadonlySet<StepStatus> = new Set([
  'created',
  'updated',
  'enabled',
  'reloaded',
]);

export interface RunContext {
  root: RootPath;
  runner: ProcessRunner;
  /** uid running init: ownership is set only by root (anyone else keeps their own). */
  uid: number;
}

export async function runInitPlan(steps: readonly InitStep[], ctx: RunContext): Promise<StepResult[]> {
  const results: StepResult[] = [];
  let unitChanged = false;
  for (const step of steps) {
    let result: StepResult;
    try {
      result = await runStep(step, ctx, unitChanged);
    } catch (error) {
      result = { status: 'failed', target: targetOf(step), detail: (error as Error).message };
    }
    if (step.kind === 'generated' && CHANGE_STATUSES.has(result.status)) unitChanged = true;
    results.push(result);
  }
  return results;
}

function targetOf(step: InitStep): string {
  switch (step.kind) {
    case 'group':
      return `group ${step.name}`;
    case 'enable':
      return step.unit;
    case 'daemon-reload':
      return 'systemctl daemon-reload';
    default:
      return step.path;
  }
}

async function runStep(step: InitStep, ctx: RunContext, unitChanged: boolean): Promise<StepResult> {
  switch (step.kind) {
    case 'group':
      return ensureGroup(step.name, ctx);
    case 'dir':
      return ensureInstallDir(step, ctx);
    case 'config': {
      const own = await ownership(step.owner, undefined, ctx);
      const created = await createFileExclusive(ctx.root, step.path, step.content, {
        mode: step.mode,
        ...own,
      });
      return created
        ? { status: 'created', target: step.path, detail: `config, ${describe(step.mode, step.owner)}` }
        : { status: 'kept', target: step.path, detail: 'exists; aios init never overwrites a config' };
    }
    case 'generated':
      return ensureGenerated(step, ctx);
    case 'daemon-reload': {
      if (!unitChanged) return { status: 'unchanged', target: targetOf(step), detail: 'unit file unchanged' };
      const run = await ctx.runner(['systemctl', 'daemon-reload'], { timeoutMs: 60_000 });
      if (run.exitCode !== 0) {
        return {
          status: 'failed',
          target: targetOf(step),
          detail: run.stderr.trim() || `exit ${run.exitCode}`,
        };
      }
      return { status: 'reloaded', target: targetOf(step), detail: 'systemd read the new unit' };
    }
    case 'enable':
      return enableUnit(step.unit, ctx);
  }
}

async function ensureGroup(name: string, ctx: RunContext): Promise<StepResult> {
  const target = `group ${name}`;
  const existing = await observeGroup(ctx.root, name);
  if (existing) return { status: 'exists', target, detail: `gid ${existing.gid}` };
  const outcome = await addGroup(ctx.root, ctx.runner, name, { system: true });
  if (!outcome.ok) {
    return {
      status: 'failed',
      target,
      detail: `groupadd failed: ${outcome.stderr.trim() || `exit ${outcome.exitCode}`} (the socket stays root-only until the group exists)`,
    };
  }
  const made = await observeGroup(ctx.root, name);
  return {
    status: 'created',
    target,
    detail: `gid ${made?.gid ?? '?'}; add admins with \`usermod -aG ${name} USER\` to use the daemon without sudo`,
  };
}

async function ownership(
  owner: Owner,
  group: string | undefined,
  ctx: RunContext,
): Promise<{ uid?: number; gid?: number }> {
  // Only root can give files away; anyone else's files stay theirs (a --root image built unprivileged).
  if (owner === 'self' || ctx.uid !== 0) return {};
  if (group === undefined) return { uid: 0, gid: 0 };
  // Without the group (groupadd failed and said so) the directory stays root's alone: safe; a later
  // `aios init` reports the difference once the group exists (chgrp is then the user's call).
  const gid = await readAccounts(ctx.root).then(
    (a) => a.groupByName(group)?.gid,
    () => undefined,
  );
  return { uid: 0, gid: gid ?? 0 };
}

function describe(mode: number, owner: Owner, group?: string): string {
  return owner === 'root' ? `${formatMode(mode)} root:${group ?? 'root'}` : formatMode(mode);
}

async function lstatOrUndefined(real: string): Promise<fs.Stats | undefined> {
  try {
    return await fs.promises.lstat(real);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function ensureInstallDir(
  step: Extract<InitStep, { kind: 'dir' }>,
  ctx: RunContext,
): Promise<StepResult> {
  const real = ctx.root.real(step.path);
  const st = await lstatOrUndefined(real);
  if (st) {
    if (!st.isDirectory()) {
      return { status: 'failed', target: step.path, detail: `${step.role}: exists and is not a directory` };
    }
    const mode = st.mode & 0o7777;
    const notes: string[] = [];
    if (mode !== step.mode) notes.push(`mode ${formatMode(mode)}, init would make ${formatMode(step.mode)}`);
    const want = await ownership(step.owner, step.group, ctx);
    if ((want.uid !== undefined && want.uid !== st.uid) || (want.gid !== undefined && want.gid !== st.gid)) {
      notes.push(`owner ${st.uid}:${st.gid}, init would make ${want.uid}:${want.gid}`);
    }
    const note = notes.length > 0 ? `; ${notes.join('; ')} (left as is)` : '';
    return { status: 'exists', target: step.path, detail: `${step.role}${note}` };
  }
  const own = await ownership(step.owner, step.group, ctx);
  await ensureDir(ctx.root, step.path, { mode: step.mode, parents: true, ...own });
  const groupMissing = step.group !== undefined && own.gid === 0;
  let detail = `${step.role}, ${describe(step.mode, step.owner, groupMissing ? 'root' : step.group)}`;
  if (groupMissing) detail += `, no group ${step.group}`;
  if (step.seed) {
    const seedOwn = await ownership(step.owner, undefined, ctx);
    await createFileExclusive(ctx.root, step.seed.path, step.seed.content, {
      mode: step.seed.mode,
      ...seedOwn,
    });
    detail += `, with ${path.basename(step.seed.path)} (commented example)`;
  }
  return { status: 'created', target: step.path, detail };
}

async function ensureGenerated(
  step: Extract<InitStep, { kind: 'generated' }>,
  ctx: RunContext,
): Promise<StepResult> {
  const own = await ownership(step.owner, undefined, ctx);
  await ensureDir(ctx.root, path.posix.dirname(step.path), { parents: true });
  const r = await ensureFile(ctx.root, step.path, step.content, { mode: step.mode, ...own });
  if (!r.changed) return { status: 'unchanged', target: step.path, detail: step.role };
  return {
    status: r.created ? 'created' : 'updated',
    target: step.path,
    detail: r.created
      ? `${step.role}, ${describe(step.mode, step.owner)}`
      : `${step.role} (${r.differences.join(', ')} differed)`,
  };
}

async function enableUnit(unit: string, ctx: RunContext): Promise<StepResult> {
  const before = await unitEnabledState(ctx.root, ctx.runner, unit);
  if (before === 'enabled') return { status: 'unchanged', target: unit, detail: 'enabled' };
  const outcome = await setUnitEnabled(ctx.root, ctx.runner, unit, true);
  if (!outcome.ok) {
    const why =
      outcome.exitCode === 127
        ? 'systemctl is not installed'
        : outcome.stderr.trim() || `exit ${outcome.exitCode}`;
    return { status: 'failed', target: unit, detail: `cannot enable: ${why}` };
  }
  return {
    status: 'enabled',
    target: unit,
    detail: ctx.root.isHostRoot ? 'starts at boot' : `starts when ${ctx.root.root} boots`,
  };
}
