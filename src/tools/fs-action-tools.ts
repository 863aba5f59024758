// Typed file-system actions the controllers plan: mkdir, symlink, chmod, chown, remove. Each is
// idempotent (compare, then change) and reports `changed` truthfully; paths are host paths mapped
// inside ctx.root. Ownership names resolve against the ROOT's /etc/passwd and /etc/group.
import type { z } from 'zod';
import { parseMode } from '../host/fs-info.js';
import { ensureDir, ensureMode, ensureOwner, ensureSymlink, removePath } from '../host/fs-ops.js';
import { resolveOwnership } from './file-tools.js';
import type { Tool, ToolResult } from './tool.js';
import { chmodArgs, chownArgs, mkdirArgs, removeArgs, symlinkArgs } from './tool-arg-schemas.js';
import { TOOL } from './tool-args.js';
import { failure, guarded } from './tool-result.js';

function done(path: string, changed: boolean, notes: string[], data?: unknown): ToolResult {
  const output = changed
    ? `${path}: ${notes.join('; ')}`
    : `${path} unchanged${notes.length ? ` (${notes.join('; ')})` : ''}`;
  return { ok: true, output, changed, ...(data !== undefined ? { data } : {}) };
}

export const mkdirTool: Tool<z.infer<typeof mkdirArgs>> = {
  name: TOOL.mkdir,
  description:
    'Make a directory exist, with an optional mode, owner and group (applied to an existing directory ' +
    'too). parents: create missing parent directories (mode 0755).',
  schema: mkdirArgs,
  effect: 'write',
  run: (args, ctx) =>
    guarded(args.path, async () => {
      const own = await resolveOwnership(ctx.root, args.owner, args.group);
      const r = await ensureDir(ctx.root, args.path, {
        mode: args.mode !== undefined ? parseMode(args.mode) : undefined,
        uid: own.uid,
        gid: own.gid,
        parents: args.parents,
      });
      return done(args.path, r.changed, r.notes);
    }),
};

export const symlinkTool: Tool<z.infer<typeof symlinkArgs>> = {
  name: TOOL.symlink,
  description:
    'Make path a symbolic link to target (stored as given). An existing link or file at path is ' +
    'replaced atomically; a directory is refused.',
  schema: symlinkArgs,
  effect: 'write',
  run: (args, ctx) =>
    guarded(args.path, async () => {
      const r = await ensureSymlink(ctx.root, args.path, args.target);
      return done(args.path, r.changed, r.notes, { previous: r.previous });
    }),
};

export const chmodTool: Tool<z.infer<typeof chmodArgs>> = {
  name: TOOL.chmod,
  description: 'Set the permission bits of a path (octal, e.g. "0644"); a final symlink is followed.',
  schema: chmodArgs,
  effect: 'write',
  run: (args, ctx) =>
    guarded(args.path, async () => {
      const r = await ensureMode(ctx.root, args.path, parseMode(args.mode));
      return done(args.path, r.changed, r.notes);
    }),
};

export const chownTool: Tool<z.infer<typeof chownArgs>> = {
  name: TOOL.chown,
  description:
    "Set the owner and/or group of a path (names from the root's /etc/passwd and /etc/group, or numeric " +
    'ids); a final symlink is followed.',
  schema: chownArgs,
  effect: 'write',
  run: (args, ctx) =>
    guarded(args.path, async () => {
      if (args.owner === undefined && args.group === undefined) {
        return failure('chown needs an owner, a group, or both');
      }
      const own = await resolveOwnership(ctx.root, args.owner, args.group);
      const r = await ensureOwner(ctx.root, args.path, own);
      return done(args.path, r.changed, r.notes);
    }),
};

export const removeTool: Tool<z.infer<typeof removeArgs>> = {
  name: TOOL.remove,
  description:
    'Remove a file or a symbolic link (never what it points to), or a directory: an empty one, or a ' +
    'whole tree with recursive: true. A missing path is not an error (nothing to do).',
  schema: removeArgs,
  effect: 'write',
  run: (args, ctx) =>
    guarded(args.path, async () => {
      const r = await removePath(ctx.root, args.path, args.recursive ?? false);
      return done(args.path, r.changed, r.notes, { type: r.type });
    }),
};

export const fsActionTools: Tool[] = [mkdirTool, symlinkTool, chmodTool, chownTool, removeTool];
