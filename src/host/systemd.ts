// systemd units of a ROOT. Enablement is unit-file symlinks, which `systemctl --root=ROOT` reads and
// writes offline, so it works under any root and without a running systemd. Active state and
// start/stop/restart/reload need the service manager, which exists only for "/" on a host booted with
// systemd; elsewhere this module says "unknown" instead of guessing, and never runs a unit of the
// real host on behalf of another root.
import fs from 'node:fs';
import { fromRun, type HostOutcome, refused } from './host-outcome.js';
import type { ProcessRunner, RunResult } from './process-runner.js';
import type { RootPath } from './root-path.js';

export type UnitVerb = 'start' | 'stop' | 'restart' | 'reload';

/** What `is-active` says when it cannot be asked. */
export const ACTIVE_UNKNOWN = 'unknown (systemd not running)';

/** Unit names systemctl accepts; refusing the rest also stops option injection ("-H host"). */
const UNIT_NAME = /^[A-Za-z0-9:_.@\\-]+$/;
const UNIT_SUFFIX = /\.(service|socket|timer|path|mount|automount|swap|target|slice|scope|device)$/;
/** `is-active` answers meaning the unit is up (or on its way up: starting it again changes nothing). */
const RUNNING_STATES = new Set(['active', 'reloading', 'activating', 'refreshing']);
const SYSTEMCTL_TIMEOUT_MS = 5 * 60_000;

/** "nginx" → "nginx.service"; names with a unit suffix stay as written. */
export function unitName(name: string): string {
  return UNIT_SUFFIX.test(name) ? name : `${name}.service`;
}

export function isRunningState(active: string): boolean {
  return RUNNING_STATES.has(active);
}

/** sd_booted(3): a service manager runs this root only when it is "/" and systemd is PID 1. */
export function systemdManages(root: RootPath): boolean {
  if (!root.isHostRoot) return false;
  try {
    return fs.statSync('/run/systemd/system').isDirectory();
  } catch {
    return false;
  }
}

export interface SystemdOptions {
  /** Override the sd_booted() check (tests, and callers that already know). */
  live?: boolean;
}

/**
 * `systemctl is-enabled`: enabled, disabled, static, masked, indirect, alias, generated, linked, ...,
 * or "not-found" when the root has no such unit file.
 */
export async function unitEnabledState(
  root: RootPath,
  runner: ProcessRunner,
  name: string,
  options: SystemdOptions = {},
): Promise<string> {
  const unit = unitName(name);
  if (!UNIT_NAME.test(unit)) return 'not-found';
  const run = await runner([...systemctl(root, options), 'is-enabled', unit], { env: cEnv() });
  const state = run.stdout.trim().split('\n')[0] ?? '';
  if (state !== '') return state;
  if (/No such file or directory|not found|does not exist/i.test(run.stderr)) return 'not-found';
  return `unknown (${run.stderr.trim() || `systemctl exited ${run.exitCode}`})`;
}

/** `systemctl is-active`, or undefined when no service manager runs this root. */
export async function unitActiveState(
  root: RootPath,
  runner: ProcessRunner,
  name: string,
  options: SystemdOptions = {},
): Promise<string | undefined> {
  if (!(options.live ?? systemdManages(root))) return undefined;
  const unit = unitName(name);
  if (!UNIT_NAME.test(unit)) return undefined;
  const run = await runner(['systemctl', 'is-active', unit], { env: cEnv() });
  return run.stdout.trim().split('\n')[0] || undefined;
}

/** `systemctl [--root=ROOT] enable|disable UNIT`; changed when is-enabled answers differently afterwards. */
export async function setUnitEnabled(
  root: RootPath,
  runner: ProcessRunner,
  name: string,
  enabled: boolean,
  options: SystemdOptions = {},
): Promise<HostOutcome> {
  const unit = unitName(name);
  if (!UNIT_NAME.test(unit)) return refused(`not a systemd unit name: "${name}"`);
  const before = await unitEnabledState(root, runner, unit, options);
  const run = await runner([...systemctl(root, options), enabled ? 'enable' : 'disable', unit], {
    env: cEnv(),
    timeoutMs: SYSTEMCTL_TIMEOUT_MS,
  });
  const after = await unitEnabledState(root, runner, unit, options);
  return fromRun(run, before !== after);
}

/**
 * start/stop/restart/reload through the service manager of "/". Under another root nothing runs
 * there: stop, restart and reload are then truthful no-ops (no process to stop or to re-read its
 * config; the unit starts with its current files at boot), start is refused.
 */
export async function controlUnit(
  root: RootPath,
  runner: ProcessRunner,
  name: string,
  verb: UnitVerb,
): Promise<HostOutcome> {
  const unit = unitName(name);
  if (!UNIT_NAME.test(unit)) return refused(`not a systemd unit name: "${name}"`);
  if (!root.isHostRoot) {
    if (verb === 'start') {
      return refused(
        `cannot start ${unit} under root ${root.root}: no service manager runs that root ` +
          '(enable it instead, so it starts when the root is booted)',
      );
    }
    return {
      ok: true,
      command: [],
      exitCode: 0,
      stdout: `nothing to ${verb}: ${unit} is not running under root ${root.root} (no service manager runs it)`,
      stderr: '',
      changed: false,
    };
  }
  // Under "/" ask systemctl even when sd_booted() says no: its own error is the most honest answer,
  // and an injected runner may stand in for a real manager.
  const before = verb === 'restart' ? '' : await activeVia(runner, unit);
  if (verb === 'reload' && !isRunningState(before)) {
    // Reloading makes a running process re-read its config; with none running there is nothing to do
    // (and systemctl would fail the job).
    return {
      ok: true,
      command: ['systemctl', 'is-active', unit],
      exitCode: 0,
      stdout: `nothing to reload: ${unit} is ${before || 'not running'}`,
      stderr: '',
      changed: false,
    };
  }
  if (verb !== 'stop') {
    // A unit file edited since systemd loaded it (a file resource notifying this service) must be
    // re-read first, or the restart would run the old definition.
    const reload = await reloadDefinitionsIfStale(runner, unit);
    if (reload && reload.exitCode !== 0) return fromRun(reload, false);
  }
  const run = await runner(['systemctl', verb, unit], { env: cEnv(), timeoutMs: SYSTEMCTL_TIMEOUT_MS });
  if (run.exitCode !== 0) return fromRun(run, false);
  if (verb === 'restart' || verb === 'reload') return fromRun(run, true);
  const after = await activeVia(runner, unit);
  return fromRun(run, isRunningState(before) !== isRunningState(after));
}

/** `systemctl daemon-reload` when the manager says the unit's files changed on disk; else nothing. */
async function reloadDefinitionsIfStale(runner: ProcessRunner, unit: string): Promise<RunResult | undefined> {
  const show = await runner(['systemctl', 'show', '--property=NeedDaemonReload', '--value', unit], {
    env: cEnv(),
  });
  if (show.stdout.trim() !== 'yes') return undefined;
  return runner(['systemctl', 'daemon-reload'], { env: cEnv(), timeoutMs: SYSTEMCTL_TIMEOUT_MS });
}

async function activeVia(runner: ProcessRunner, unit: string): Promise<string> {
  const run = await runner(['systemctl', 'is-active', unit], { env: cEnv() });
  return run.stdout.trim().split('\n')[0] ?? '';
}

/** The live manager for "/" when it runs, else offline on the unit files of the root. */
function systemctl(root: RootPath, options: SystemdOptions): string[] {
  const live = options.live ?? systemdManages(root);
  return live ? ['systemctl'] : ['systemctl', `--root=${root.root}`];
}

function cEnv(): NodeJS.ProcessEnv {
  return { ...process.env, LC_ALL: 'C', SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0' };
}
