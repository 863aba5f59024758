// The `user` kind: an account in the root's /etc/passwd (uid, primary group, supplementary groups,
// home, shell, comment) or its absence. observe reads passwd/group (src/host/users.ts); diff and plan
// are pure; useradd/usermod/userdel run only in the user_* tools. Only declared fields are managed.
// The spec's schema is in user-schema.ts: this module must not load zod (decision 172).
import { type ObservedUser, observeUser } from '../src/host/users.js';
import { TOOL } from '../src/tools/tool-args.js';
import type { Action, Change, ResourceId } from '../src/types.js';
import type { Controller } from './controller.js';
import type { UserSpec } from './user-schema.js';

export interface UserObserved {
  exists: boolean;
  user?: ObservedUser;
}

function id(spec: UserSpec): string {
  return `user:${spec.name}`;
}

/** The declared primary group as the tools take it: a gid or a name. */
function primaryOf(spec: UserSpec): number | string | undefined {
  if (spec.gid !== undefined) return spec.gid;
  if (spec.group === undefined) return undefined;
  return /^\d+$/.test(spec.group) ? Number(spec.group) : spec.group;
}

function sameSet(a: string[], b: string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

export const userController: Controller<UserSpec, UserObserved> = {
  kind: 'user',
  name: (spec) => spec.name,

  async observe(spec, ctx) {
    const user = await observeUser(ctx.root, spec.name);
    return user ? { exists: true, user } : { exists: false };
  },

  diff(spec, observed) {
    const changes: Change[] = [];
    const u = observed.user;
    if (spec.state === 'absent') {
      if (u) changes.push({ field: 'state', before: 'present', after: 'absent' });
      return changes;
    }
    if (!u) {
      changes.push({ field: 'state', before: 'absent', after: 'present' });
      return changes;
    }
    if (spec.uid !== undefined && u.uid !== spec.uid)
      changes.push({ field: 'uid', before: u.uid, after: spec.uid });
    const primary = primaryOf(spec);
    if (typeof primary === 'number' && u.gid !== primary) {
      changes.push({ field: 'gid', before: u.gid, after: primary });
    } else if (typeof primary === 'string' && u.group !== primary) {
      changes.push({ field: 'group', before: u.group, after: primary });
    }
    if (spec.groups !== undefined && !sameSet(u.groups, spec.groups)) {
      changes.push({ field: 'groups', before: u.groups, after: [...new Set(spec.groups)].sort() });
    }
    if (spec.home !== undefined && u.home !== spec.home)
      changes.push({ field: 'home', before: u.home, after: spec.home });
    if (spec.shell !== undefined && u.shell !== spec.shell) {
      changes.push({ field: 'shell', before: u.shell, after: spec.shell });
    }
    if (spec.comment !== undefined && u.comment !== spec.comment) {
      changes.push({ field: 'comment', before: u.comment, after: spec.comment });
    }
    return changes;
  },

  plan(changes, spec) {
    if (changes.length === 0) return [];
    const actions: Action[] = [];
    const state = changes.find((c) => c.field === 'state');
    if (state?.after === 'absent') {
      actions.push({
        tool: TOOL.userRemove,
        args: { name: spec.name },
        resource: id(spec),
        reason: `user ${spec.name} should be absent`,
      });
      return actions;
    }
    const args: Record<string, unknown> = { name: spec.name };
    const primary = primaryOf(spec);
    if (state) {
      if (spec.uid !== undefined) args.uid = spec.uid;
      if (primary !== undefined) args.gid = primary;
      if (spec.groups !== undefined) args.groups = [...new Set(spec.groups)].sort();
      if (spec.home !== undefined) args.home = spec.home;
      if (spec.shell !== undefined) args.shell = spec.shell;
      if (spec.comment !== undefined) args.comment = spec.comment;
      if (spec.system) args.system = true;
      if (spec.create_home !== undefined) args.create_home = spec.create_home;
      actions.push({
        tool: TOOL.userAdd,
        args,
        resource: id(spec),
        reason: `user ${spec.name} does not exist`,
      });
      return actions;
    }
    for (const c of changes) {
      if (c.field === 'uid') args.uid = spec.uid;
      if (c.field === 'gid' || c.field === 'group') args.gid = primary;
      if (c.field === 'groups') args.groups = c.after;
      if (c.field === 'home') args.home = spec.home;
      if (c.field === 'shell') args.shell = spec.shell;
      if (c.field === 'comment') args.comment = spec.comment;
    }
    const fields = changes.map((c) => c.field).join(', ');
    actions.push({
      tool: TOOL.userModify,
      args,
      resource: id(spec),
      reason: `user ${spec.name} differs in ${fields}`,
    });
    return actions;
  },

  implicitRequires(spec) {
    const ids: ResourceId[] = [];
    const primary = primaryOf(spec);
    if (typeof primary === 'string') ids.push(`group:${primary}`);
    for (const g of spec.groups ?? []) if (g !== primary) ids.push(`group:${g}`);
    return ids;
  },

  watchPaths: () => ['/etc/passwd', '/etc/group'],
};
