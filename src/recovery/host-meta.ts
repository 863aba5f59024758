// Facts a snapshot records but does not roll back by copying files: the installed packages (from the
// root's own dpkg database) and the enabled systemd units (the symlinks in the root's
// /etc/systemd/system/*.wants and *.requires dirs, read directly: no systemctl process), plus the
// names of the uids and gids the entries use. Read-only.
import fs from 'node:fs';
import path from 'node:path';
import { type Accounts, readAccounts } from '../host/accounts.js';
import { readDpkgDatabase } from '../host/dpkg.js';
import type { ProcessRunner } from '../host/process-runner.js';
import type { RootPath } from '../host/root-path.js';

/** Package list as sorted "name\tversion\tstatus" lines, or undefined when the root has no dpkg. */
export async function packageList(root: RootPath, runner: ProcessRunner): Promise<string | undefined> {
  try {
    const db = await readDpkgDatabase(root, runner);
    if (!db.available) return undefined;
    const lines: string[] = [];
    for (const [key, p] of db.packages) {
      if (key.includes(':')) continue;
      lines.push(`${p.name}\t${p.version}\t${p.abbrev.trim()}`);
    }
    return `${lines.sort().join('\n')}\n`;
  } catch {
    // A broken dpkg database must not stop a snapshot: the files are what gets restored.
    return undefined;
  }
}

export function parsePackageList(text: string): Map<string, { version: string; status: string }> {
  const out = new Map<string, { version: string; status: string }>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [name = '', version = '', status = ''] = line.split('\t');
    if (name) out.set(name, { version, status });
  }
  return out;
}

export function enabledUnits(root: RootPath): string[] {
  const dir = root.real('/etc/systemd/system');
  const units: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return units;
  }
  for (const name of names) {
    if (!name.endsWith('.wants') && !name.endsWith('.requires')) continue;
    try {
      for (const unit of fs.readdirSync(path.join(dir, name))) units.push(`${name}/${unit}`);
    } catch {
      // Not a directory: ignore.
    }
  }
  return units.sort();
}

// The accounts of a root, re-read only when its passwd or group file changed (a snapshot a minute
// should not parse them a minute).
const accountsCache = new Map<string, { stamp: string; accounts: Accounts }>();

function fileStamp(file: string): string {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st ? `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : '-';
}

export async function ownerNames(
  root: RootPath,
  uids: Set<number>,
  gids: Set<number>,
): Promise<{ users: Record<string, string>; groups: Record<string, string> }> {
  const users: Record<string, string> = {};
  const groups: Record<string, string> = {};
  try {
    const stamp = `${fileStamp(root.real('/etc/passwd'))}|${fileStamp(root.real('/etc/group'))}`;
    let acc =
      accountsCache.get(root.root)?.stamp === stamp ? accountsCache.get(root.root)?.accounts : undefined;
    if (!acc) {
      acc = await readAccounts(root);
      accountsCache.set(root.root, { stamp, accounts: acc });
    }
    for (const uid of uids) {
      const u = acc.userById(uid);
      if (u) users[String(uid)] = u.name;
    }
    for (const gid of gids) {
      const g = acc.groupById(gid);
      if (g) groups[String(gid)] = g.name;
    }
  } catch {
    // Names are a convenience for diffs and listings; ids are what gets restored.
  }
  return { users, groups };
}
