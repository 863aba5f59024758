// The `service` kind: a systemd unit enabled or disabled at boot, and running or stopped now.
// Enablement is read and changed on the root's unit files (works under any --root, offline); the
// running state only where a service manager runs the root ("/" on a systemd host). Elsewhere the
// diff says the state is unknown and the plan does not pretend to start or stop anything. The
// spec's schema is in service-schema.ts: this module must not load zod (decision 172).
import {
  ACTIVE_UNKNOWN,
  isRunningState,
  unitActiveState,
  unitEnabledState,
  unitName,
} from '../src/host/systemd.js';
import { TOOL } from '../src/tools/tool-args.js';
import type { Action, Change } from '../src/types.js';
import type { Controller } from './controller.js';
import type { ServiceSpec } from './service-schema.js';

export interface ServiceObserved {
  unit: string;
  /** `systemctl is-enabled`: enabled, disabled, static, masked, not-found, ... */
  enabled: string;
  /** `systemctl is-active`, or ACTIVE_UNKNOWN when no service manager runs the root. */
  active: string;
  activeKnown: boolean;
}

/** is-enabled answers that already satisfy `enabled = true` (static units cannot be enabled further). */
const ENABLED_OK = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'indirect', 'generated']);
/** ... and `enabled = false` (a unit that is not there does not start at boot either). */
const DISABLED_OK = new Set(['disabled', 'static', 'masked', 'masked-runtime', 'not-found', 'indirect']);

function id(spec: ServiceSpec): string {
  return `service:${spec.name}`;
}

export const serviceController: Controller<ServiceSpec, ServiceObserved> = {
  kind: 'service',
  name: (spec) => spec.name,

  async observe(spec, ctx) {
    const unit = unitName(spec.name);
    const enabled =
      spec.enabled === undefined ? 'unmanaged' : await unitEnabledState(ctx.root, ctx.runner, unit);
    const active = spec.state === undefined ? 'unmanaged' : await unitActiveState(ctx.root, ctx.runner, unit);
    return { unit, enabled, active: active ?? ACTIVE_UNKNOWN, activeKnown: active !== undefined };
  },

  diff(spec, observed) {
    const changes: Change[] = [];
    if (spec.enabled === true && !ENABLED_OK.has(observed.enabled)) {
      changes.push({ field: 'enabled', before: observed.enabled, after: 'enabled' });
    }
    if (spec.enabled === false && !DISABLED_OK.has(observed.enabled)) {
      changes.push({ field: 'enabled', before: observed.enabled, after: 'disabled' });
    }
    if (spec.state !== undefined) {
      if (!observed.activeKnown) {
        // Honest: nothing here can tell whether it runs, so it is reported, not planned, and does
        // not keep `aios diff` at "changes pending" forever.
        changes.push({
          field: 'state',
          before: ACTIVE_UNKNOWN,
          after: spec.state,
          unobservable: 'no service manager runs this root',
        });
      } else if (isRunningState(observed.active) !== (spec.state === 'running')) {
        changes.push({ field: 'state', before: observed.active, after: spec.state });
      }
    }
    return changes;
  },

  plan(changes, spec, observed) {
    const actions: Action[] = [];
    const args = { name: spec.name };
    for (const change of changes) {
      if (change.field === 'enabled') {
        const enable = change.after === 'enabled';
        actions.push({
          tool: enable ? TOOL.serviceEnable : TOOL.serviceDisable,
          args,
          resource: id(spec),
          reason: `${observed.unit} is ${String(change.before)}, should be ${String(change.after)}`,
        });
      }
      if (change.field === 'state' && observed.activeKnown) {
        const start = change.after === 'running';
        actions.push({
          tool: start ? TOOL.serviceStart : TOOL.serviceStop,
          args,
          resource: id(spec),
          reason: `${observed.unit} is ${String(change.before)}, should be ${String(change.after)}`,
        });
      }
    }
    return actions;
  },

  implicitRequires: (spec) => [`package:${spec.package ?? spec.name.replace(/\.service$/, '')}`],

  onNotify(spec) {
    // A service declared stopped stays stopped: a restart would start it.
    if (spec.state === 'stopped') return [];
    return [
      {
        tool: spec.reload_on_notify ? TOOL.serviceReload : TOOL.serviceRestart,
        args: { name: spec.name },
        resource: id(spec),
        reason: `a resource notifying ${id(spec)} changed`,
      },
    ];
  },

  watchPaths: (spec) => [
    `/etc/systemd/system/${unitName(spec.name)}`,
    `/etc/systemd/system/multi-user.target.wants/${unitName(spec.name)}`,
  ],
};
