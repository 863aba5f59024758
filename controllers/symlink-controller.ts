// The `symlink` kind: a link at `path` whose value is exactly `target` (stored as written, not
// resolved), or no link there. observe is one lstat + readlink; diff and plan are pure. The spec's
// schema is in symlink-schema.ts: this module must not load zod (decision 172).
import fs from 'node:fs/promises';
import { resolveInRoot } from '../src/host/fs-resolve.js';
import { TOOL } from '../src/tools/tool-args.js';
import type { Action, Change, ResourceId } from '../src/types.js';
import type { Controller, ObserveContext } from './controller.js';
import { fileLikeRequires } from './file-controller.js';
import type { NodeType } from './file-state.js';
import type { SymlinkSpec } from './symlink-schema.js';

export interface SymlinkObserved {
  path: string;
  type: NodeType;
  target?: string;
}

export const symlinkController: Controller<SymlinkSpec, SymlinkObserved> = {
  kind: 'symlink',
  name: (spec) => spec.path,

  async observe(spec: SymlinkSpec, ctx: ObserveContext): Promise<SymlinkObserved> {
    const real = await resolveInRoot(ctx.root, spec.path, false);
    try {
      const st = await fs.lstat(real);
      if (st.isSymbolicLink()) return { path: spec.path, type: 'symlink', target: await fs.readlink(real) };
      return { path: spec.path, type: st.isDirectory() ? 'directory' : st.isFile() ? 'file' : 'other' };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { path: spec.path, type: 'missing' };
      throw e;
    }
  },

  diff(spec: SymlinkSpec, obs: SymlinkObserved): Change[] {
    if (spec.state === 'absent') {
      // A regular file or directory at the path is not a link this resource could own.
      return obs.type === 'symlink' ? [{ field: 'state', before: 'present', after: 'absent' }] : [];
    }
    if (obs.type === 'missing') {
      return [
        { field: 'state', before: 'absent', after: 'present' },
        { field: 'target', before: null, after: spec.target },
      ];
    }
    if (obs.type !== 'symlink') {
      return [
        { field: 'type', before: obs.type, after: 'symlink' },
        { field: 'target', before: null, after: spec.target },
      ];
    }
    return obs.target === spec.target ? [] : [{ field: 'target', before: obs.target, after: spec.target }];
  },

  plan(changes: Change[], spec: SymlinkSpec): Action[] {
    if (changes.length === 0) return [];
    const resource = `symlink:${spec.path}`;
    if (spec.state === 'absent') {
      return [{ tool: TOOL.remove, args: { path: spec.path }, resource, reason: 'state = absent' }];
    }
    // The symlink tool replaces a link or a file atomically and refuses a directory (never dropping
    // its contents): a directory in the way is an error for a person to resolve.
    const retarget = changes.some((c) => c.field === 'target' && c.before !== null);
    return [
      {
        tool: TOOL.symlink,
        args: { path: spec.path, target: spec.target },
        resource,
        reason: retarget ? 'point the link at its target' : 'create the link',
      },
    ];
  },

  implicitRequires(spec: SymlinkSpec): ResourceId[] {
    return fileLikeRequires(spec.path);
  },

  watchPaths: (spec) => [spec.path],
};
