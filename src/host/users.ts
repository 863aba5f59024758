// Users and groups of a ROOT, changed with the shadow tools (useradd, usermod, userdel, groupadd,
// groupmod, groupdel). Under a root other than "/" they get `--root ROOT`: they chroot into it, so
// the root needs its own etc/passwd, group, shadow, gshadow and ideally login.defs, default/useradd
// and skel (otherwise their built-in defaults apply). Observing reads the root's passwd and group
// through src/host/accounts.ts; this module never reads /etc/shadow and never edits a file itself.
import fs from 'node:fs';
import { type Accounts, readAccounts } from './accounts.js';
import { lexists } from './fs-info.js';
import { fromRun, type HostOutcome, refused } from './host-outcome.js';
import { withKeyLock } from './keyed-lock.js';
import type { ProcessRunner } from './process-runner.js';
import type { RootPath } from './root-path.js';

export interface UserSettings {
  uid?: number | undefined;
  /** Primary group: a name or a gid. */
  gid?: number | string | undefined;
  /** Supplementary groups, the whole list (usermod -G replaces it). */
  groups?: string[] | undefined;
  home?: string | undefined;
  shell?: string | undefined;
  comment?: string | undefined;
  system?: boolean | undefined;
  create_home?: boolean | undefined;
}

export interface GroupSettings {
  gid?: number | undefined;
  system?: boolean | undefined;
}

export interface ObservedUser {
  name: string;
  uid: number;
  gid: number;
  /** Name of the primary group, or the gid as text when the root has no such group. */
  group: string;
  /** Supplementary groups (from the member lists of /etc/group), sorted. */
  groups: string[];
  home: string;
  shell: string;
  comment: string;
}

export interface ObservedGroup {
  name: string;
  gid: number;
  members: string[];
}

/** shadow's own rule (plus Debian's upper case); a leading "-" would be read as an option. */
const ACCOUNT_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/;
/** passwd fields are ':'-separated lines; these characters would corrupt the file. */
const FIELD_SAFE = /^[^:\n]*$/;

export async function observeUser(root: RootPath, name: string): Promise<ObservedUser | undefined> {
  const { accounts: a, memberships } = await accountsOf(root);
  const u = a.userByName(name);
  if (!u) return undefined;
  return {
    name: u.name,
    uid: u.uid,
    gid: u.gid,
    group: a.groupName(u.gid),
    groups: [...(memberships.get(name) ?? [])],
    home: u.home,
    shell: u.shell,
    comment: u.gecos,
  };
}

export async function observeGroup(root: RootPath, name: string): Promise<ObservedGroup | undefined> {
  const g = (await accountsOf(root)).accounts.groupByName(name);
  return g ? { name: g.name, gid: g.gid, members: [...g.members] } : undefined;
}

interface ParsedAccounts {
  accounts: Accounts;
  /** user name → the groups listing it as a member, sorted, once each. */
  memberships: Map<string, string[]>;
}

// Parsed account files per root, reused while passwd and group are unchanged: observing a thousand
// users then parses the files once, not a thousand times, and any edit (ours or by hand) is seen.
const parsed = new Map<string, { stamp: string; value: Promise<ParsedAccounts> }>();

async function accountsOf(root: RootPath): Promise<ParsedAccounts> {
  const stamp = await filesStamp(root);
  const hit = parsed.get(root.root);
  if (hit && hit.stamp === stamp) return hit.value;
  const value = readAccounts(root).then((accounts) => {
    const memberships = new Map<string, Set<string>>();
    for (const g of accounts.groups) {
      for (const m of g.members) {
        let set = memberships.get(m);
        if (!set) {
          set = new Set();
          memberships.set(m, set);
        }
        set.add(g.name);
      }
    }
    return {
      accounts,
      memberships: new Map([...memberships].map(([user, groups]) => [user, [...groups].sort()])),
    };
  });
  parsed.set(root.root, { stamp, value });
  value.catch(() => parsed.delete(root.root));
  return value;
}

async function filesStamp(root: RootPath): Promise<string> {
  const parts = await Promise.all(
    ['/etc/passwd', '/etc/group'].map((p) =>
      fs.promises.stat(root.real(p)).then(
        (st) => `${st.ino}:${st.size}:${st.mtimeMs}`,
        () => 'none',
      ),
    ),
  );
  return parts.join('/');
}

export async function addUser(
  root: RootPath,
  runner: ProcessRunner,
  name: string,
  s: UserSettings,
): Promise<HostOutcome> {
  const args: string[] = [];
  if (s.system) args.push('--system');
  if (s.create_home === true) args.push('--create-home');
  if (s.create_home === false) args.push('--no-create-home');
  return shadowTool(root, runner, 'useradd', name, [...args, ...userOptions(s)], s);
}

/** Only the settings given are changed; `groups` replaces the supplementary list. */
export async function modifyUser(
  root: RootPath,
  runner: ProcessRunner,
  name: string,
  s: UserSettings,
): Promise<HostOutcome> {
  const options = userOptions(s);
  if (options.length === 0) return refused(`usermod ${name}: nothing to change`);
  return shadowTool(root, runner, 'usermod', name, options, s);
}

/** Removes the account, keeping its home directory and mail spool (data is not ours to delete). */
export function removeUser(root: RootPath, runner: ProcessRunner, name: string): Promise<HostOutcome> {
  return shadowTool(root, runner, 'userdel', name, [], {});
}

export function addGroup(
  root: RootPath,
  runner: ProcessRunner,
  name: string,
  s: GroupSettings,
): Promise<HostOutcome> {
  const args: string[] = [];
  if (s.system) args.push('--system');
  if (s.gid !== undefined) args.push('--gid', String(s.gid));
  return shadowTool(root, runner, 'groupadd', name, args, {});
}

export async function modifyGroup(
  root: RootPath,
  runner: ProcessRunner,
  name: string,
  s: GroupSettings,
): Promise<HostOutcome> {
  if (s.gid === undefined) return refused(`groupmod ${name}: nothing to change`);
  return shadowTool(root, runner, 'groupmod', name, ['--gid', String(s.gid)], {});
}

export function removeGroup(root: RootPath, runner: ProcessRunner, name: string): Promise<HostOutcome> {
  return shadowTool(root, runner, 'groupdel', name, [], {});
}

function userOptions(s: UserSettings): string[] {
  const args: string[] = [];
  if (s.uid !== undefined) args.push('--uid', String(s.uid));
  if (s.gid !== undefined) args.push('--gid', String(s.gid));
  if (s.groups !== undefined) args.push('--groups', s.groups.join(','));
  if (s.home !== undefined) args.push('--home', s.home);
  if (s.shell !== undefined) args.push('--shell', s.shell);
  if (s.comment !== undefined) args.push('--comment', s.comment);
  return args;
}

async function shadowTool(
  root: RootPath,
  runner: ProcessRunner,
  tool: string,
  name: string,
  args: string[],
  s: UserSettings,
): Promise<HostOutcome> {
  const bad = checkInput(name, s);
  if (bad) return refused(`${tool}: ${bad}`);
  if (!root.isHostRoot && !(await lexists(root.real('/etc/passwd')))) {
    return refused(
      `cannot run ${tool} under root ${root.root}: it has no /etc/passwd (the shadow tools chroot into ` +
        'the root and need its etc/passwd, group, shadow, gshadow and login.defs)',
    );
  }
  const rootArgs = root.isHostRoot ? [] : ['--root', root.root];
  return withKeyLock(`accounts:${root.root}`, async () => {
    const before = await accountFiles(root);
    const run = await runner([tool, ...rootArgs, ...args, '--', name], {
      env: { ...process.env, LC_ALL: 'C' },
    });
    const after = await accountFiles(root);
    return fromRun(run, before !== after);
  });
}

function checkInput(name: string, s: UserSettings): string | undefined {
  if (!ACCOUNT_NAME.test(name)) return `not a valid user or group name: "${name}"`;
  if (typeof s.gid === 'string' && !ACCOUNT_NAME.test(s.gid)) return `not a valid group name: "${s.gid}"`;
  for (const g of s.groups ?? []) if (!ACCOUNT_NAME.test(g)) return `not a valid group name: "${g}"`;
  for (const [field, value] of [
    ['home', s.home],
    ['shell', s.shell],
    ['comment', s.comment],
  ] as const) {
    if (value !== undefined && !FIELD_SAFE.test(value)) return `${field} must not contain ":" or a newline`;
  }
  return undefined;
}

/** The state the tools change, compared before and after to report `changed` truthfully. */
async function accountFiles(root: RootPath): Promise<string> {
  const parts = await Promise.all(
    ['/etc/passwd', '/etc/group'].map((p) => fs.promises.readFile(root.real(p), 'utf8').catch(() => '')),
  );
  return parts.join('\0');
}
