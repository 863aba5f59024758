// The `directory` kind: a directory's existence, mode, owner, group and, with `purge = true`, the
// removal of entries no resource declares. observe lists the directory only when purging; diff and
// plan are pure. `managed_children` is how purge knows what is declared (see below).
import fs from 'node:fs/promises';
import { z } from 'zod';
import { resolveInRoot } from '../src/host/fs-resolve.js';
import { TOOL } from '../src/tools/tool-args.js';
import type { Action, Change, ResourceId } from '../src/types.js';
import {
  absolutePathField,
  accountField,
  commonFields,
  modeField,
  modeString,
  presenceField,
} from './common-fields.js';
import type { Controller, ObserveContext } from './controller.js';
import { fileLikeRequires } from './file-controller.js';
import {
  metadataActions,
  metadataChanges,
  type NodeType,
  type OwnershipObserved,
  observeOwnership,
} from './file-state.js';

/** `/`, `/etc`, `/usr`, ...: purging or force-removing one of these would take the system with it. */
export function isTopLevel(p: string): boolean {
  return p.split('/').filter(Boolean).length <= 1;
}

export const directorySchema = z
  .strictObject({
    path: absolutePathField,
    mode: modeField.optional(),
    owner: accountField.optional(),
    group: accountField.optional(),
    state: presenceField,
    /** Remove every entry inside that no declared file/directory/symlink resource accounts for. */
    purge: z.boolean().default(false),
    /** With state = absent: remove a non-empty directory and everything in it. */
    force: z.boolean().default(false),
    /**
     * Host paths of the file/directory/symlink resources declared inside this directory (at any
     * depth). The spec loader fills it from the other resources; entries written by hand are kept
     * too, which is how you spare something purge would otherwise remove.
     */
    managed_children: z.array(absolutePathField).optional(),
    ...commonFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.purge && isTopLevel(spec.path)) {
      ctx.addIssue({
        code: 'custom',
        path: ['purge'],
        message: `purging ${spec.path} would delete everything no resource declares there; purge a narrower directory`,
      });
    }
    if (spec.force && spec.state === 'absent' && isTopLevel(spec.path)) {
      ctx.addIssue({
        code: 'custom',
        path: ['force'],
        message: `refusing to remove ${spec.path} and everything in it`,
      });
    }
  });

export type DirectorySpec = z.infer<typeof directorySchema>;

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
  schema: directorySchema,
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
