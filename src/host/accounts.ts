// Users and groups of the ROOT (its /etc/passwd and /etc/group, not the machine running aios when
// `--root` points elsewhere): names <-> ids for chown, mkdir, write_file and the user/group
// controllers. Read-only: this module never edits account files (useradd/groupadd do that).
import fs from 'node:fs';
import { HostError } from '../errors.js';
import type { RootPath } from './root-path.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface Accounts {
  users: PasswdEntry[];
  groups: GroupEntry[];
  userByName(name: string): PasswdEntry | undefined;
  userById(uid: number): PasswdEntry | undefined;
  groupByName(name: string): GroupEntry | undefined;
  groupById(gid: number): GroupEntry | undefined;
  /** A user name or a numeric uid ("0", "1000") to a uid; throws HostError for an unknown name. */
  resolveUid(owner: string | number): number;
  /** A group name or a numeric gid to a gid; throws HostError for an unknown name. */
  resolveGid(group: string | number): number;
  /** The name of a uid, or the number as text when the root has no such user. */
  userName(uid: number): string;
  groupName(gid: number): string;
}

const NUMERIC = /^\d+$/;

/** Parse passwd(5) text. Comments, blank and malformed lines (NIS `+` entries) are skipped. */
export function parsePasswd(text: string): PasswdEntry[] {
  const users: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    if (f.length < 7) continue;
    const [name, , uid, gid, gecos, home, shell] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!name || !NUMERIC.test(uid) || !NUMERIC.test(gid)) continue;
    users.push({ name, uid: Number(uid), gid: Number(gid), gecos, home, shell });
  }
  return users;
}

/** Parse group(5) text. */
export function parseGroup(text: string): GroupEntry[] {
  const groups: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    if (f.length < 4) continue;
    const [name, , gid, members] = f as [string, string, string, string];
    if (!name || !NUMERIC.test(gid)) continue;
    groups.push({ name, gid: Number(gid), members: members ? members.split(',').filter(Boolean) : [] });
  }
  return groups;
}

export function makeAccounts(users: PasswdEntry[], groups: GroupEntry[]): Accounts {
  // First entry wins, as getpwnam/getpwuid do with duplicate lines.
  const byUserName = new Map<string, PasswdEntry>();
  const byUid = new Map<number, PasswdEntry>();
  for (const u of users) {
    if (!byUserName.has(u.name)) byUserName.set(u.name, u);
    if (!byUid.has(u.uid)) byUid.set(u.uid, u);
  }
  const byGroupName = new Map<string, GroupEntry>();
  const byGid = new Map<number, GroupEntry>();
  for (const g of groups) {
    if (!byGroupName.has(g.name)) byGroupName.set(g.name, g);
    if (!byGid.has(g.gid)) byGid.set(g.gid, g);
  }
  return {
    users,
    groups,
    userByName: (name) => byUserName.get(name),
    userById: (uid) => byUid.get(uid),
    groupByName: (name) => byGroupName.get(name),
    groupById: (gid) => byGid.get(gid),
    resolveUid(owner) {
      if (typeof owner === 'number') return owner;
      // A name that exists wins over reading it as a number, as chown(1) does.
      const u = byUserName.get(owner);
      if (u) return u.uid;
      if (NUMERIC.test(owner)) return Number(owner);
      throw new HostError(`unknown user "${owner}" (not in the root's /etc/passwd)`);
    },
    resolveGid(group) {
      if (typeof group === 'number') return group;
      const g = byGroupName.get(group);
      if (g) return g.gid;
      if (NUMERIC.test(group)) return Number(group);
      throw new HostError(`unknown group "${group}" (not in the root's /etc/group)`);
    },
    userName: (uid) => byUid.get(uid)?.name ?? String(uid),
    groupName: (gid) => byGid.get(gid)?.name ?? String(gid),
  };
}

async function readOptional(file: string): Promise<string> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    // A bare root (a test dir, an empty image) has no account files: then only numeric ids resolve.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

/** Read the accounts of a root. Cheap enough to call per action, so it is never stale. */
export async function readAccounts(root: RootPath): Promise<Accounts> {
  const [passwd, group] = await Promise.all([
    readOptional(root.real('/etc/passwd')),
    readOptional(root.real('/etc/group')),
  ]);
  return makeAccounts(parsePasswd(passwd), parseGroup(group));
}
