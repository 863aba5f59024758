// The `package` kind: a Debian package installed (optionally at an exact version) or absent in the
// root's dpkg database. observe reads that database (one dpkg-query per run, see src/host/dpkg.ts);
// diff and plan are pure. Installing and removing happen only in the package_* tools. The spec's
// schema is in package-schema.ts: this module must not load zod (decision 172).
import { describeStatus, findPackage, readDpkgDatabase } from '../src/host/dpkg.js';
import { TOOL } from '../src/tools/tool-args.js';
import type { Action, Change } from '../src/types.js';
import type { Controller } from './controller.js';
import type { PackageSpec } from './package-schema.js';

export interface PackageObserved {
  /** False when the root has no dpkg database (nothing is installed there, and apt cannot run). */
  database: boolean;
  installed: boolean;
  /** present, absent, "absent (config files remain)", half-configured, ... */
  status: string;
  version?: string;
}

function id(spec: PackageSpec): string {
  return `package:${spec.name}`;
}

export const packageController: Controller<PackageSpec, PackageObserved> = {
  kind: 'package',
  name: (spec) => spec.name,

  async observe(spec, ctx) {
    const db = await readDpkgDatabase(ctx.root, ctx.runner);
    const pkg = findPackage(db, spec.name);
    const observed: PackageObserved = {
      database: db.available,
      installed: pkg?.installed ?? false,
      status: describeStatus(pkg),
    };
    if (pkg?.installed) observed.version = pkg.version;
    return observed;
  },

  diff(spec, observed) {
    const changes: Change[] = [];
    if (spec.state === 'absent') {
      if (observed.installed) changes.push({ field: 'state', before: 'present', after: 'absent' });
      return changes;
    }
    if (!observed.installed) {
      // Leftover config files still mean "absent" (a create, for the summary); a half-done install is named.
      const before = observed.status.startsWith('absent') ? 'absent' : observed.status;
      changes.push({ field: 'state', before, after: 'present' });
      if (spec.version !== undefined) changes.push({ field: 'version', before: null, after: spec.version });
      return changes;
    }
    if (spec.version !== undefined && observed.version !== spec.version) {
      changes.push({ field: 'version', before: observed.version ?? null, after: spec.version });
    }
    return changes;
  },

  plan(changes, spec) {
    if (changes.length === 0) return [];
    const actions: Action[] = [];
    if (spec.state === 'absent') {
      actions.push({
        tool: TOOL.packageRemove,
        args: { name: spec.name },
        resource: id(spec),
        reason: `${spec.name} is installed and should be absent`,
      });
      return actions;
    }
    const args: Record<string, unknown> = { name: spec.name };
    if (spec.version !== undefined) args.version = spec.version;
    const state = changes.find((c) => c.field === 'state');
    const reason = state
      ? `${spec.name} is ${String(state.before)}${spec.version ? `; install version ${spec.version}` : ''}`
      : `${spec.name} is at version ${String(changes[0]?.before)}, pinned to ${spec.version}`;
    actions.push({ tool: TOOL.packageInstall, args, resource: id(spec), reason });
    return actions;
  },

  watchPaths: () => ['/var/lib/dpkg/status'],
};
