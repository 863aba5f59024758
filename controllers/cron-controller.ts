// The `cron` kind: one file /etc/cron.d/<name> holding environment lines and one job line,
// generated deterministically from the spec (mode 0644, owned by root, as cron requires). The
// schedule is checked with node-cron when the spec loads (cron-schema.ts), so a typo never reaches
// the host; this module must load neither zod nor node-cron (decision 172).
import type { Change, ResourceId } from '../src/types.js';
import type { Controller, ObserveContext } from './controller.js';
import type { CronSpec } from './cron-schema.js';
import { type DesiredFile, diffFile, type FileObserved, observeFile, planFile } from './file-state.js';

function envLines(env: Record<string, string> | string[] | undefined): string[] {
  if (env === undefined) return [];
  if (Array.isArray(env)) return env;
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

export function cronPath(name: string): string {
  return `/etc/cron.d/${name}`;
}

/** The whole file, byte for byte the same for the same spec. Pure. */
export function cronFileContent(spec: CronSpec): string {
  const lines = [`# Managed by aios (cron:${spec.name}); local edits are overwritten.`];
  lines.push(...envLines(spec.environment));
  lines.push(`${spec.schedule ?? ''} ${spec.user} ${spec.command ?? ''}`);
  return `${lines.join('\n')}\n`;
}

function desiredOf(spec: CronSpec): DesiredFile {
  // Numeric ids: a bare --root without /etc/passwd still resolves them, and cron wants root:root.
  return spec.state === 'absent'
    ? { path: cronPath(spec.name), state: 'absent' }
    : {
        path: cronPath(spec.name),
        state: 'present',
        content: cronFileContent(spec),
        mode: '0644',
        owner: '0',
        group: '0',
      };
}

export const cronController: Controller<CronSpec, FileObserved> = {
  kind: 'cron',
  name: (spec) => spec.name,
  observe: (spec: CronSpec, ctx: ObserveContext) =>
    observeFile(desiredOf(spec), ctx.root, undefined, ctx.stamps),
  diff: (spec: CronSpec, observed: FileObserved): Change[] => diffFile(desiredOf(spec), observed),
  plan: (changes, spec) => planFile(desiredOf(spec), changes, `cron:${spec.name}`),
  implicitRequires(spec: CronSpec): ResourceId[] {
    const ids = ['directory:/etc/cron.d', 'package:cron'];
    if (spec.user !== 'root') ids.push(`user:${spec.user}`);
    return ids;
  },
  watchPaths: (spec) => [cronPath(spec.name)],
};
