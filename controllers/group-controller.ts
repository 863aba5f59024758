// The `group` kind: a group in the root's /etc/group with an optional fixed gid, or its absence.
// observe reads /etc/group (src/host/users.ts); diff and plan are pure; groupadd/groupmod/groupdel
// run only in the group_* tools. Membership is the user kind's business (a user's `groups`). The
// spec's schema is in group-schema.ts: this module must not load zod (decision 172).
import { type ObservedGroup, observeGroup } from '../src/host/users.js';
import { TOOL } from '../src/tools/tool-args.js';
import type { Change } from '../src/types.js';
import type { Controller } from './controller.js';
import type { GroupSpec } from './group-schema.js';

export interface GroupObserved {
  exists: boolean;
  group?: ObservedGroup;
}

function id(spec: GroupSpec): string {
  return `group:${spec.name}`;
}

export const groupController: Controller<GroupSpec, GroupObserved> = {
  kind: 'group',
  name: (spec) => spec.name,

  async observe(spec, ctx) {
    const group = await observeGroup(ctx.root, spec.name);
    return group ? { exists: true, group } : { exists: false };
  },

  diff(spec, observed) {
    const changes: Change[] = [];
    const g = observed.group;
    if (spec.state === 'absent') {
      if (g) changes.push({ field: 'state', before: 'present', after: 'absent' });
      return changes;
    }
    if (!g) changes.push({ field: 'state', before: 'absent', after: 'present' });
    else if (spec.gid !== undefined && g.gid !== spec.gid)
      changes.push({ field: 'gid', before: g.gid, after: spec.gid });
    return changes;
  },

  plan(changes, spec) {
    const change = changes[0];
    if (!change) return [];
    if (change.field === 'state' && change.after === 'absent') {
      return [
        {
          tool: TOOL.groupRemove,
          args: { name: spec.name },
          resource: id(spec),
          reason: `group ${spec.name} should be absent`,
        },
      ];
    }
    const args: Record<string, unknown> = { name: spec.name };
    if (spec.gid !== undefined) args.gid = spec.gid;
    if (change.field === 'state') {
      if (spec.system) args.system = true;
      return [{ tool: TOOL.groupAdd, args, resource: id(spec), reason: `group ${spec.name} does not exist` }];
    }
    return [
      {
        tool: TOOL.groupModify,
        args,
        resource: id(spec),
        reason: `group ${spec.name} has gid ${String(change.before)}, should be ${String(change.after)}`,
      },
    ];
  },

  watchPaths: () => ['/etc/group'],
};
