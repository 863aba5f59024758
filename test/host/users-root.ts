// A minimal etc for the shadow tools under a temp root: they chroot into it and read login.defs,
// default/useradd and skel from there, so tests get the same defaults on every machine.
import fs from 'node:fs/promises';
import path from 'node:path';

const LOGIN_DEFS = [
  'MAIL_DIR /var/mail',
  'PASS_MAX_DAYS 99999',
  'PASS_MIN_DAYS 0',
  'PASS_WARN_AGE 7',
  'UID_MIN 1000',
  'UID_MAX 60000',
  'SYS_UID_MIN 100',
  'SYS_UID_MAX 999',
  'GID_MIN 1000',
  'GID_MAX 60000',
  'SYS_GID_MIN 100',
  'SYS_GID_MAX 999',
  'USERGROUPS_ENAB yes',
  'ENCRYPT_METHOD SHA512',
  '',
].join('\n');

export async function makeAccountsRoot(rootDir: string): Promise<void> {
  const etc = path.join(rootDir, 'etc');
  await fs.mkdir(path.join(etc, 'default'), { recursive: true });
  await fs.mkdir(path.join(etc, 'skel'), { recursive: true });
  await fs.mkdir(path.join(rootDir, 'home'), { recursive: true });
  await fs.writeFile(path.join(etc, 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  await fs.writeFile(path.join(etc, 'group'), 'root:x:0:\nusers:x:100:\n');
  await fs.writeFile(path.join(etc, 'shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o640 });
  await fs.writeFile(path.join(etc, 'gshadow'), 'root:*::\nusers:*::\n', { mode: 0o640 });
  await fs.writeFile(path.join(etc, 'login.defs'), LOGIN_DEFS);
  await fs.writeFile(path.join(etc, 'default/useradd'), 'SHELL=/bin/sh\nHOME=/home\n');
  await fs.writeFile(path.join(etc, 'skel/.profile'), '# skel\n');
}

export async function readEtc(rootDir: string, file: string): Promise<string[]> {
  const text = await fs.readFile(path.join(rootDir, 'etc', file), 'utf8');
  return text.split('\n').filter(Boolean);
}
