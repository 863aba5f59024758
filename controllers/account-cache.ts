// The root's users and groups for observe, re-read only when /etc/passwd or /etc/group changed
// (inode, size or mtime). Observing 10 000 files owned by "root" must not parse the account files
// 10 000 times. Read-only; useradd/groupadd replace the files by rename, which changes the inode.
import fs from 'node:fs';
import { type Accounts, readAccounts } from '../src/host/accounts.js';
import type { RootPath } from '../src/host/root-path.js';

interface Cached {
  key: string;
  accounts: Accounts;
}

const cache = new WeakMap<RootPath, Cached>();

function stamp(file: string): string {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : '-';
}

export async function accountsOf(root: RootPath): Promise<Accounts> {
  const key = `${stamp(root.real('/etc/passwd'))}|${stamp(root.real('/etc/group'))}`;
  const hit = cache.get(root);
  if (hit && hit.key === key) return hit.accounts;
  const accounts = await readAccounts(root);
  cache.set(root, { key, accounts });
  return accounts;
}
