// Claims the daemon's socket path safely: refuses when a live daemon answers there, removes a stale
// socket only when it is a socket owned by us, and never follows or replaces something another
// user created (in /tmp anyone can pre-create a path). Sets the mode before anyone can connect.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { HostError } from '../errors.js';

export async function answers(socketPath: string, timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export async function claimSocketPath(socketPath: string, uid = process.getuid?.() ?? 0): Promise<void> {
  const dir = path.dirname(socketPath);
  let dirStat: fs.Stats;
  try {
    dirStat = await fs.promises.stat(dir);
  } catch {
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o750 });
    dirStat = await fs.promises.stat(dir);
  }
  const worldWritable = (dirStat.mode & 0o002) !== 0;
  if (worldWritable && (dirStat.mode & 0o1000) === 0) {
    throw new HostError(
      `socket dir ${dir} is world-writable without the sticky bit: anyone could replace the socket`,
    );
  }
  let st: fs.Stats;
  try {
    st = await fs.promises.lstat(socketPath);
  } catch {
    return; // nothing there
  }
  if (!st.isSocket()) throw new HostError(`${socketPath} exists and is not a socket; refusing to replace it`);
  if (st.uid !== uid) {
    throw new HostError(
      `${socketPath} belongs to uid ${st.uid}, not to us (uid ${uid}); refusing to use or remove it`,
    );
  }
  if (await answers(socketPath)) throw new HostError(`a daemon is already running on ${socketPath}`);
  await fs.promises.unlink(socketPath); // stale: ours, and nobody answers
}

/** Listen with a umask that makes the socket private from the first instant, then set its final mode. */
export async function listenPrivately(
  server: net.Server,
  socketPath: string,
  groupName = 'aios',
): Promise<void> {
  const old = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(old);
  }
  if (process.getuid?.() === 0) {
    const gid = groupId(groupName);
    if (gid !== undefined) {
      await fs.promises.chown(socketPath, 0, gid);
      await fs.promises.chmod(socketPath, 0o660);
      return;
    }
  }
  await fs.promises.chmod(socketPath, 0o600);
}

function groupId(name: string): number | undefined {
  try {
    for (const line of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
      const [n, , gid] = line.split(':');
      if (n === name && gid !== undefined) return Number(gid);
    }
  } catch {
    // no /etc/group: no group access, the socket stays 0600
  }
  return undefined;
}
