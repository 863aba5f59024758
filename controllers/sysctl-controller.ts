// The `sysctl` kind: one kernel parameter, persisted as /etc/sysctl.d/60-aios-<name>.conf (one file
// per key, so two resources never fight over a file) and, only when the root is the real `/`, also
// set live with `sysctl -w`. Under another root there is no live kernel to compare with, so only
// the file is managed. observe reads the file and /proc/sys; diff and plan are pure. The spec's
// schema is in sysctl-schema.ts: this module must not load zod (decision 172).
import fs from 'node:fs/promises';
import type { RootPath } from '../src/host/root-path.js';
import { TOOL } from '../src/tools/tool-args.js';
import type { Action, Change, ResourceId } from '../src/types.js';
import type { Controller, ObserveContext } from './controller.js';
import { type DesiredFile, diffFile, type FileObserved, observeFile, planFile } from './file-state.js';
import { shellQuote } from './shell-quote.js';
import type { SysctlSpec } from './sysctl-schema.js';
import { normalizeValue } from './sysctl-value.js';

export interface SysctlObserved {
  file: FileObserved;
  /** Live value from /proc/sys (whitespace normalized); null: no such key; absent: root is not `/`. */
  live?: string | null;
}

export function sysctlPath(name: string): string {
  return `/etc/sysctl.d/60-aios-${name}.conf`;
}

export function sysctlFileContent(spec: SysctlSpec): string {
  return `# Managed by aios (sysctl:${spec.name}); local edits are overwritten.\n${spec.name} = ${spec.value}\n`;
}

function desiredOf(spec: SysctlSpec): DesiredFile {
  return spec.state === 'absent'
    ? { path: sysctlPath(spec.name), state: 'absent' }
    : { path: sysctlPath(spec.name), state: 'present', content: sysctlFileContent(spec), mode: '0644' };
}

async function readLive(root: RootPath, name: string): Promise<string | null> {
  try {
    // Only called when the root is `/`: /proc/sys is the running kernel's.
    return normalizeValue(await fs.readFile(root.real(`/proc/sys/${name.replace(/\./g, '/')}`), 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

export const sysctlController: Controller<SysctlSpec, SysctlObserved> = {
  kind: 'sysctl',
  name: (spec) => spec.name,

  async observe(spec: SysctlSpec, ctx: ObserveContext): Promise<SysctlObserved> {
    const file = await observeFile(desiredOf(spec), ctx.root, undefined, ctx.stamps);
    if (!ctx.root.isHostRoot || spec.state === 'absent') return { file };
    return { file, live: await readLive(ctx.root, spec.name) };
  },

  diff(spec: SysctlSpec, obs: SysctlObserved): Change[] {
    const changes = diffFile(desiredOf(spec), obs.file);
    // The live value is only ever set, never "unset": there is no default to go back to.
    if (spec.state === 'present' && obs.live !== undefined && obs.live !== spec.value) {
      changes.push({ field: 'live', before: obs.live, after: spec.value });
    }
    return changes;
  },

  plan(changes: Change[], spec: SysctlSpec): Action[] {
    const resource = `sysctl:${spec.name}`;
    const fileChanges = changes.filter((c) => c.field !== 'live');
    const actions = planFile(desiredOf(spec), fileChanges, resource);
    if (changes.some((c) => c.field === 'live')) {
      actions.push({
        tool: TOOL.bash,
        args: { command: `sysctl -w ${shellQuote(`${spec.name}=${spec.value}`)}` },
        resource,
        reason: 'set the running kernel value',
      });
    }
    return actions;
  },

  implicitRequires: (): ResourceId[] => ['directory:/etc/sysctl.d'],
  watchPaths: (spec) => [sysctlPath(spec.name)],
};
