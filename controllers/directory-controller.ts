// The `directory` kind: a directory's existence, mode, owner, group and, with `purge = true`, the
// removal of entries no resource declares. observe lists the directory only when purging; diff and
// plan are pure. `managed_children` is how purge knows what is declared (see below). The spec's
// schema is in directory-schema.ts: this module must not load zod (decision 172).
import fs from 'node:fs/promises';
import { resolveInRoot } from '../src/host/fs-resolve.js';
import { TOOL } from '../src/tools/tool-args.js';
import type { Action, Change, ResourceId } from '../src/types.js';
import { modeString } from './common-fields.js';
import type { Controller, ObserveContext } from './controller.js';
import type { DirectorySpec } from './directory-schema.js';
import { fileLikeRequires } from './file-controller.js';
import {
  metadataActions,
  metadataChanges,
  type NodeType,
  type OwnershipObserved,
  observeOwnership,
} from './file-state.js';

export interface DirectoryObserved extends OwnershipObserved {
  path: string;
  type: NodeType;
  mode?: string;
  /** Entry names, sorted; only read when purging. */
  entries?: string[];
}

/** Entries of `dir` that no managed path equals or lies beneath. Pure. */
export function unmanagedEntries(dir: string, entries: string[], managed: string[]): string[] {
  const prefix = dir === '/' ? '/' : `${dir}/`;
  const keep = new Set<string>();
  for (const m of managed) {
    if (!m.startsWith(prefix)) continue;
    const first = m.slice(prefix.length).split('/')[0];
    if (first) keep.add(first);
  }
  return entries.filter((name) => !keep.has(name));
}

function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

export const directoryController: Controller<DirectorySpec, DirectoryObserved> = {
  kind: 'directory',
  name: (spec) => spec.path,

  async observe(spec: DirectorySpec, ctx: ObserveContext): Promise<DirectoryObserved> {
    // mkdir/chmod/chown follow a final link inside the root; remove takes the link itself.
    const real = await resolveInRoot(ctx.root, spec.path, spec.state === 'present');
    const obs: DirectoryObserved = { path: spec.path, type: 'missing' };
    let st: Awaited<ReturnType<typeof fs.lstat>>;
    try {
      st = await fs.lstat(real);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return observeOwnership(obs, spec, ctx.root);
      throw e;
    }
    obs.type = st.isDirectory()
      ? 'directory'
      : st.isFile()
        ? 'file'
        : st.isSymbolicLink()
          ? 'symlink'
          : 'other';
    if (spec.state === 'absent') return obs;
    obs.mode = modeString(st.mode);
    obs.uid = st.uid;
    obs.gid = st.gid;
    if (spec.purge && obs.type === 'directory') obs.entries = (await fs.readdir(real)).sort();
    return observeOwnership(obs, spec, ctx.root);
  },

  diff(spec: DirectorySpec, obs: DirectoryObserved): Change[] {
    if (spec.state === 'absent') {
      // Only a directory is this resource's business; a file of the same name is not removed.
      return obs.type === 'directory' ? [{ field: 'state', before: 'present', after: 'absent' }] : [];
    }
    const changes: Change[] = [];
    if (obs.type === 'missing') changes.push({ field: 'state', before: 'absent', after: 'present' });
    else if (obs.type !== 'directory') changes.push({ field: 'type', before: obs.type, after: 'directory' });
    changes.push(...metadataChanges(spec, obs, obs.type === 'directory'));
    if (spec.purge && obs.entries) {
      const extra = unmanagedEntries(spec.path, obs.entries, spec.managed_children ?? []);
      // Full host paths: the diff reads as the list of what will be deleted.
      if (extra.length > 0)
        changes.push({ field: 'purge', before: extra.map((n) => childPath(spec.path, n)), after: [] });
    }
    return changes;
  },

  plan(changes: Change[], spec: DirectorySpec): Action[] {
    if (changes.length === 0) return [];
    const resource = `directory:${spec.path}`;
    if (spec.state === 'absent') {
      return [
        {
          tool: TOOL.remove,
          args: spec.force ? { path: spec.path, recursive: true } : { path: spec.path },
          resource,
          reason: spec.force ? 'state = absent, force = true' : 'state = absent (only if empty)',
        },
      ];
    }
    const fields = new Set(changes.map((c) => c.field));
    const actions: Action[] = [];
    if (fields.has('type')) {
      // Non-recursive: a file or link in the way goes, nothing bigger.
      actions.push({
        tool: TOOL.remove,
        args: { path: spec.path },
        resource,
        reason: 'something else is in the way',
      });
    }
    if (fields.has('state') || fields.has('type')) {
      const args: Record<string, unknown> = { path: spec.path, parents: true };
      if (spec.mode !== undefined) args.mode = spec.mode;
      if (spec.owner !== undefined) args.owner = spec.owner;
      if (spec.group !== undefined) args.group = spec.group;
      actions.push({ tool: TOOL.mkdir, args, resource, reason: 'create the directory' });
    } else {
      actions.push(...metadataActions(spec, spec.path, fields, resource));
    }
    const purge = changes.find((c) => c.field === 'purge');
    for (const child of (purge?.before as string[] | undefined) ?? []) {
      actions.push({
        tool: TOOL.remove,
        args: { path: child, recursive: true },
        resource,
        reason: 'purge: not declared by any resource',
      });
    }
    return actions;
  },

  implicitRequires(spec: DirectorySpec): ResourceId[] {
    return fileLikeRequires(spec.path, spec.owner, spec.group);
  },

  watchPaths: (spec) => [spec.path],
};
