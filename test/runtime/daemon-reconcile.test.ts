import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callDaemon } from '../../src/runtime/rpc-client.js';
import { cli, DaemonProcess, isolatedEnv, makeSandbox, type Sandbox } from './daemon-harness.js';

let box: Sandbox;
let daemon: DaemonProcess | undefined;

beforeEach(async () => {
  box = await makeSandbox('aios-daemon-rec-');
});
afterEach(async () => {
  await daemon?.kill();
  daemon = undefined;
  await fs.promises.rm(box.dir, { recursive: true, force: true });
});

async function start(): Promise<DaemonProcess> {
  daemon = await DaemonProcess.start(box.config, isolatedEnv(box.dir));
  return daemon;
}

const until = (what: string, check: () => boolean | Promise<boolean>) =>
  (daemon as DaemonProcess).until(what, check);

const read = (p: string) => {
  try {
    return fs.readFileSync(path.join(box.root, p), 'utf8');
  } catch {
    return undefined;
  }
};

describe('aios-runtime keeps the root converged', { timeout: 120_000 }, () => {
  it('applies specs at start, repairs a hand edit, follows spec edits, and survives a broken spec', async () => {
    fs.writeFileSync(
      path.join(box.specs, 'motd.toml'),
      '[[file]]\npath = "/etc/motd"\ncontent = "hello\\n"\nmode = "0644"\n',
    );
    await start();
    await until('initial apply', () => read('etc/motd') === 'hello\n');

    fs.writeFileSync(path.join(box.root, 'etc/motd'), 'vandalised\n');
    await until('drift repair', () => read('etc/motd') === 'hello\n');
    await until('repair counted', async () => {
      const s = (await callDaemon(box.sock, 'status')) as { specs: { drift_repairs: number } };
      return s.specs.drift_repairs >= 1;
    });
    // memory tells the hand edit (external drift, with its diff) from aios's repair that follows it
    const db = new Database(path.join(box.dir, 'memory.db'), { readonly: true });
    const events = db
      .prepare(
        `SELECT status, label, diff FROM resource_events WHERE resource_id = 'file:/etc/motd' ORDER BY ts, id`,
      )
      .all() as { status: string; label: string; diff: string | null }[];
    db.close();
    const drift = events.findIndex((e) => e.status === 'drift' && e.label === 'external');
    expect(drift, JSON.stringify(events)).toBeGreaterThanOrEqual(0);
    expect(events[drift]?.diff).toContain('-vandalised');
    expect(events[drift + 1]).toMatchObject({ status: 'applied', label: 'aios' });

    fs.writeFileSync(
      path.join(box.specs, 'issue.toml'),
      '[[file]]\npath = "/etc/issue"\ncontent = "welcome\\n"\n',
    );
    await until('new spec applied', () => read('etc/issue') === 'welcome\n');

    fs.writeFileSync(path.join(box.specs, 'broken.toml'), '[[file]]\npath = "relative/oops"\nmode = 12\n');
    await until('broken spec reported', async () => {
      const s = (await callDaemon(box.sock, 'status')) as {
        specs: { last_error: { message: string } | null };
      };
      return s.specs.last_error !== null;
    });
    const s = (await callDaemon(box.sock, 'status')) as {
      specs: { last_error: { message: string }; resources: number };
    };
    expect(s.specs.last_error.message).toMatch(/broken\.toml/);
    expect(s.specs.resources).toBe(2);
    fs.writeFileSync(path.join(box.root, 'etc/issue'), 'changed again\n');
    await until('repair with the last good specs', () => read('etc/issue') === 'welcome\n');
  });

  it('answers diff over the socket with the same plan the CLI makes', async () => {
    fs.writeFileSync(path.join(box.specs, 'motd.toml'), '[[file]]\npath = "/etc/motd"\ncontent = "hi\\n"\n');
    await start();
    await until('initial apply', () => read('etc/motd') === 'hi\n');
    const plan = (await callDaemon(box.sock, 'diff')) as { resources: { id: string; status: string }[] };
    expect(plan.resources).toEqual([expect.objectContaining({ id: 'file:/etc/motd', status: 'converged' })]);
  });

  it('never sends the contents of a sensitive file over the socket', async () => {
    const secret = 'hunter2-daemon-planted';
    fs.appendFileSync(box.config, '[security]\nmode = "paranoid"\n');
    fs.writeFileSync(
      path.join(box.specs, 'secret.toml'),
      `[[file]]\npath = "/etc/app.key"\ncontent = "${secret}\\n"\nsensitive = true\n`,
    );
    await start();
    // paranoid mode holds the write, so the change stays pending and shows in the plan
    const plan = (await callDaemon(box.sock, 'diff')) as { resources: { id: string; status: string }[] };
    expect(plan.resources).toEqual([expect.objectContaining({ id: 'file:/etc/app.key', status: 'create' })]);
    expect(JSON.stringify(plan)).not.toContain(secret);
    expect(read('etc/app.key')).toBeUndefined();
  });

  it('takes the missed scheduled snapshot at start and reports it in status', async () => {
    fs.writeFileSync(
      box.config,
      fs
        .readFileSync(box.config, 'utf8')
        .replace('enabled = false', 'enabled = true\nsnapshot_interval = "daily"'),
    );
    fs.writeFileSync(path.join(box.root, 'etc/hostname'), 'box\n');
    await start();
    await until('catch-up snapshot', async () => {
      const s = (await callDaemon(box.sock, 'status')) as { snapshots: { last_scheduled: string | null } };
      return s.snapshots.last_scheduled !== null;
    });
    const s = (await callDaemon(box.sock, 'status')) as { snapshots: { enabled: boolean; schedule: string } };
    expect(s.snapshots).toMatchObject({ enabled: true, schedule: '0 0 * * *' });
    const list = cli(box, ['snapshots', '--json']);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.out) as { kind: string }[]).map((x) => x.kind)).toContain('scheduled');
  });

  it('serves snapshots, restore, history and search over the socket', async () => {
    fs.writeFileSync(path.join(box.specs, 'motd.toml'), '[[file]]\npath = "/etc/motd"\ncontent = "v1\\n"\n');
    await start();
    await until('initial apply', () => read('etc/motd') === 'v1\n');
    const snap = (await callDaemon(box.sock, 'snapshot.create', { description: 'before v2' })) as {
      id: string;
      kind: string;
      pinned: boolean;
    };
    expect(snap).toMatchObject({ kind: 'manual', pinned: true });
    const list = (await callDaemon(box.sock, 'snapshot.list')) as { id: string }[];
    expect(list.map((x) => x.id)).toContain(snap.id);

    fs.writeFileSync(path.join(box.specs, 'motd.toml'), '[[file]]\npath = "/etc/motd"\ncontent = "v2\\n"\n');
    await until('spec change applied', () => read('etc/motd') === 'v2\n');
    const dry = (await callDaemon(box.sock, 'snapshot.restore', {
      id: snap.id,
      dry_run: true,
      paths: ['/etc/motd'],
    })) as {
      dryRun: boolean;
    };
    expect(dry.dryRun).toBe(true);
    expect(read('etc/motd')).toBe('v2\n');

    const hits = (await callDaemon(box.sock, 'memory.search', { text: 'motd' })) as unknown[];
    expect(hits.length).toBeGreaterThan(0);
    const history = (await callDaemon(box.sock, 'history', { limit: 5 })) as unknown[];
    expect(history.length).toBeGreaterThan(0);
  });
});
