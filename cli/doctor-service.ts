// `aios doctor`'s check of a system installation's service: the unit file `aios init --system`
// writes, its enable link, and the aios-runtime its ExecStart starts (a moved or upgraded npm prefix
// leaves a unit that starts nothing, or an old copy). Reads files only; never asks systemd.
import fs from 'node:fs';
import type { RootPath } from '../src/host/root-path.js';
import type { CheckResult } from './doctor-perms.js';
import { UNIT_NAME } from './init-plan.js';

/** The script ExecStart runs (the argument naming aios-runtime), if the line has one. */
export function execStartScript(unitText: string): string | undefined {
  const line = unitText.match(/^ExecStart=(.*)$/m)?.[1];
  return line?.split(/\s+/).find((w) => /aios-runtime(\.js)?$/.test(w));
}

/** `thisRuntime`: the aios-runtime of the aios running doctor (what `aios init` would write). */
export function serviceResults(root: RootPath, thisRuntime: string | undefined): CheckResult[] {
  const unitFile = `/etc/systemd/system/${UNIT_NAME}`;
  const where = root.isHostRoot ? '' : ` under ${root.root}`;
  let text: string;
  try {
    text = fs.readFileSync(root.real(unitFile), 'utf8');
  } catch {
    return [
      {
        id: 'service',
        status: 'warn',
        message: `no ${unitFile}${where}: the daemon is not installed as a service`,
        fix: `aios init --system${root.isHostRoot ? '' : ` --root ${root.root}`}`,
      },
    ];
  }
  const out: CheckResult[] = [];
  const wants = root.real(`/etc/systemd/system/multi-user.target.wants/${UNIT_NAME}`);
  let enabled = false;
  try {
    fs.lstatSync(wants);
    enabled = true;
  } catch {
    enabled = false;
  }
  const script = execStartScript(text);
  if (!script) {
    return [
      {
        id: 'service',
        status: 'fail',
        message: `${unitFile}${where} has no ExecStart running aios-runtime`,
        fix: 'move the file aside and run `aios init --system` (customise with `systemctl edit aios-runtime`)',
      },
    ];
  }
  // On "/" the script must exist; under another root the unit names this host's path (init wrote it).
  if (root.isHostRoot && !fs.existsSync(script)) {
    out.push({
      id: 'service',
      status: 'fail',
      message: `${UNIT_NAME} starts ${script}, which does not exist (aios moved or was removed)`,
      fix: 'run `aios init --system` with the installed aios, then systemctl daemon-reload',
    });
  } else if (thisRuntime && script !== thisRuntime) {
    out.push({
      id: 'service',
      status: 'warn',
      message: `${UNIT_NAME} starts ${script}, not this aios (${thisRuntime})`,
      fix: '`aios init --system` rewrites the unit for this aios (after an upgrade or a move)',
    });
  } else {
    out.push({ id: 'service', status: 'ok', message: `${UNIT_NAME} installed${where}, starts ${script}` });
  }
  if (!enabled) {
    out.push({
      id: 'service',
      status: 'warn',
      message: `${UNIT_NAME}${where} is not enabled: the daemon will not start at boot`,
      fix: `systemctl${root.isHostRoot ? '' : ` --root=${root.root}`} enable ${UNIT_NAME}`,
    });
  }
  return out;
}
