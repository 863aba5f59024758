// Typed host actions for packages, services, users and groups; the registry adds them to the
// built-ins. Each one is a thin call into its src/host adapter: no tool builds a shell string, and
// none throws for a failure on the host: a failed or refused operation is a ToolResult with ok=false,
// its exit code and stderr, and `changed` is what the adapter measured, never assumed.

import type { z } from 'zod';
import { aptInstall, aptRemove } from '../host/apt.js';
import type { HostOutcome } from '../host/host-outcome.js';
import { controlUnit, setUnitEnabled, type UnitVerb, unitName } from '../host/systemd.js';
import { addGroup, addUser, modifyGroup, modifyUser, removeGroup, removeUser } from '../host/users.js';
import type { Tool, ToolResult } from './tool.js';
import { groupArgs, packageArgs, removeNamedArgs, serviceArgs, userArgs } from './tool-arg-schemas.js';
import { TOOL } from './tool-args.js';

type PackageArgs = z.infer<typeof packageArgs>;
type ServiceArgs = z.infer<typeof serviceArgs>;
type UserArgs = z.infer<typeof userArgs>;
type GroupArgs = z.infer<typeof groupArgs>;
type NamedArgs = z.infer<typeof removeNamedArgs>;

/** Turn an adapter outcome into what the caller (and a model) reads. Never throws. */
export function toToolResult(outcome: HostOutcome, done: string): ToolResult {
  const result: ToolResult = {
    ok: outcome.ok,
    output: outcome.ok
      ? [outcome.changed ? done : `${done} (no change)`, tail(outcome.stdout)].filter(Boolean).join('\n')
      : (outcome.error?.message ?? outcome.stderr),
    exitCode: outcome.exitCode,
    changed: outcome.changed,
    data: { command: outcome.command },
  };
  if (outcome.stderr) result.stderr = outcome.stderr;
  return result;
}

const OUTPUT_LINES = 40;

/** apt prints hundreds of progress lines; the end says what happened. */
function tail(text: string): string {
  const lines = text.trim().split('\n');
  if (lines.length <= OUTPUT_LINES) return lines.join('\n');
  return [`… (${lines.length - OUTPUT_LINES} lines above)`, ...lines.slice(-OUTPUT_LINES)].join('\n');
}

/** Adapters return values, but a bug or an fs error must still reach the caller as a result. */
async function guarded(done: string, op: () => Promise<HostOutcome>): Promise<ToolResult> {
  try {
    return toToolResult(await op(), done);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, output: message, stderr: message, exitCode: 1, changed: false };
  }
}

const packageInstall: Tool<PackageArgs> = {
  name: TOOL.packageInstall,
  description:
    'Install one Debian package with apt-get (optionally an exact version, which also downgrades to it). ' +
    'Fetches from the package archive.',
  schema: packageArgs,
  effect: 'network',
  run: (a, ctx) =>
    guarded(`installed ${a.name}${a.version ? `=${a.version}` : ''}`, () =>
      aptInstall(ctx.root, ctx.runner, a.name, { version: a.version }),
    ),
};

const packageRemove: Tool<PackageArgs> = {
  name: TOOL.packageRemove,
  description: 'Remove one Debian package with apt-get remove (its config files stay).',
  schema: packageArgs,
  effect: 'exec',
  run: (a, ctx) => guarded(`removed ${a.name}`, () => aptRemove(ctx.root, ctx.runner, a.name)),
};

function serviceControl(name: string, verb: UnitVerb, description: string): Tool<ServiceArgs> {
  return {
    name,
    description,
    schema: serviceArgs,
    effect: 'exec',
    run: (a, ctx) =>
      guarded(`${verb} ${unitName(a.name)}`, () => controlUnit(ctx.root, ctx.runner, a.name, verb)),
  };
}

function serviceEnablement(name: string, enabled: boolean, description: string): Tool<ServiceArgs> {
  return {
    name,
    description,
    schema: serviceArgs,
    effect: 'write',
    run: (a, ctx) =>
      guarded(`${enabled ? 'enabled' : 'disabled'} ${unitName(a.name)}`, () =>
        setUnitEnabled(ctx.root, ctx.runner, a.name, enabled),
      ),
  };
}

const userAdd: Tool<UserArgs> = {
  name: TOOL.userAdd,
  description:
    'Create a user account with useradd (uid, primary group, supplementary groups, home, shell, comment).',
  schema: userArgs,
  effect: 'write',
  run: (a, ctx) => guarded(`added user ${a.name}`, () => addUser(ctx.root, ctx.runner, a.name, a)),
};

const userModify: Tool<UserArgs> = {
  name: TOOL.userModify,
  description:
    'Change a user account with usermod: only the fields given; `groups` replaces the supplementary groups. ' +
    'A new home is recorded, not moved.',
  schema: userArgs,
  effect: 'write',
  run: (a, ctx) => guarded(`modified user ${a.name}`, () => modifyUser(ctx.root, ctx.runner, a.name, a)),
};

const userRemove: Tool<NamedArgs> = {
  name: TOOL.userRemove,
  description: 'Delete a user account with userdel (its home directory is kept).',
  schema: removeNamedArgs,
  effect: 'write',
  run: (a, ctx) => guarded(`removed user ${a.name}`, () => removeUser(ctx.root, ctx.runner, a.name)),
};

const groupAdd: Tool<GroupArgs> = {
  name: TOOL.groupAdd,
  description: 'Create a group with groupadd (optional gid, system group).',
  schema: groupArgs,
  effect: 'write',
  run: (a, ctx) => guarded(`added group ${a.name}`, () => addGroup(ctx.root, ctx.runner, a.name, a)),
};

const groupModify: Tool<GroupArgs> = {
  name: TOOL.groupModify,
  description: "Change a group's gid with groupmod.",
  schema: groupArgs,
  effect: 'write',
  run: (a, ctx) => guarded(`modified group ${a.name}`, () => modifyGroup(ctx.root, ctx.runner, a.name, a)),
};

const groupRemove: Tool<NamedArgs> = {
  name: TOOL.groupRemove,
  description: 'Delete a group with groupdel (refused by groupdel while it is a user’s primary group).',
  schema: removeNamedArgs,
  effect: 'write',
  run: (a, ctx) => guarded(`removed group ${a.name}`, () => removeGroup(ctx.root, ctx.runner, a.name)),
};

export const systemTools: Tool[] = [
  packageInstall,
  packageRemove,
  serviceControl(
    TOOL.serviceStart,
    'start',
    'Start a systemd unit now (needs a running systemd for the root "/").',
  ),
  serviceControl(TOOL.serviceStop, 'stop', 'Stop a running systemd unit.'),
  serviceControl(TOOL.serviceRestart, 'restart', 'Restart a systemd unit (stop, then start).'),
  serviceControl(TOOL.serviceReload, 'reload', 'Ask a running systemd unit to reload its configuration.'),
  serviceEnablement(
    TOOL.serviceEnable,
    true,
    'Enable a systemd unit so it starts at boot (works on unit files offline).',
  ),
  serviceEnablement(TOOL.serviceDisable, false, 'Disable a systemd unit so it no longer starts at boot.'),
  userAdd,
  userModify,
  userRemove,
  groupAdd,
  groupModify,
  groupRemove,
];
