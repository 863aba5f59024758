// End to end for the system kinds: the built CLI (`aios diff`/`aios apply --root`) against a temp
// root holding a minimal etc, a dpkg database and a vendor unit file. Real useradd/groupadd --root,
// real systemctl --root, real dpkg-query; nothing outside the temp dirs is touched.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run, type Sandbox, sandbox, writeSpec } from '../e2e/helpers.js';
import { writeDpkgStatus } from '../host/dpkg-fake.js';
import { makeAccountsRoot, readEtc } from '../host/users-root.js';

const made: Sandbox[] = [];
afterEach(() => {
  for (const s of made.splice(0)) fs.rmSync(s.dir, { recursive: true, force: true });
});

beforeAll(() => {
  if (!fs.existsSync('dist/cli/aios.js')) throw new Error('build first: npx tsc -p tsconfig.build.json');
});

const UNIT = '[Service]\nExecStart=/usr/sbin/nginx\n\n[Install]\nWantedBy=multi-user.target\n';

async function systemBox(spec: string): Promise<Sandbox> {
  const s = sandbox('[security]\nmode = "trusted"\n');
  made.push(s);
  await makeAccountsRoot(s.root);
  await writeDpkgStatus(s.root, [{ name: 'nginx', version: '1.22.1-9' }]);
  fs.mkdirSync(path.join(s.root, 'lib/systemd/system'), { recursive: true });
  fs.mkdirSync(path.join(s.root, 'etc/systemd/system'), { recursive: true });
  fs.writeFileSync(path.join(s.root, 'lib/systemd/system/nginx.service'), UNIT);
  writeSpec(s, 'system.toml', spec);
  return s;
}

const converging = `
[[group]]
name = "web"
gid = 2100

[[user]]
name = "deploy"
uid = 2100
group = "web"
groups = ["users"]
shell = "/bin/sh"
comment = "Deploy bot"

[[package]]
name = "nginx"

[[service]]
name = "nginx"
enabled = true
`;

describe('system kinds through aios diff and apply', () => {
  it('creates the group and user, enables the unit, and a second apply changes nothing', async () => {
    const s = await systemBox(converging);
    const diff = run(s, ['diff']);
    expect(diff.code).toBe(2);
    expect(diff.stdout).toContain('group:web');
    expect(diff.stdout).toContain('user:deploy');
    expect(diff.stdout).toContain('service:nginx');

    const apply = run(s, ['apply', '--yes']);
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(await readEtc(s.root, 'group')).toEqual(
      expect.arrayContaining(['web:x:2100:', 'users:x:100:deploy']),
    );
    expect(await readEtc(s.root, 'passwd')).toContain('deploy:x:2100:2100:Deploy bot:/home/deploy:/bin/sh');
    expect(
      fs.readlinkSync(path.join(s.root, 'etc/systemd/system/multi-user.target.wants/nginx.service')),
    ).toBe('/lib/systemd/system/nginx.service');

    const again = run(s, ['diff']);
    expect(again.code).toBe(0);
    const passwdBefore = fs.statSync(path.join(s.root, 'etc/passwd')).mtimeMs;
    expect(run(s, ['apply', '--yes']).code).toBe(0);
    expect(fs.statSync(path.join(s.root, 'etc/passwd')).mtimeMs).toBe(passwdBefore);
  });

  it('reports a running state it cannot observe under --root, plans nothing, and stays converged', async () => {
    const s = await systemBox('[[service]]\nname = "nginx"\nstate = "running"\n');
    const r = run(s, ['diff', '--json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    const svc = plan.resources.find((x: { id: string }) => x.id === 'service:nginx');
    expect(svc.status).toBe('converged');
    expect(svc.changes).toEqual([
      {
        field: 'state',
        before: 'unknown (systemd not running)',
        after: 'running',
        unobservable: 'no service manager runs this root',
      },
    ]);
    expect(svc.actions).toEqual([]);
    const human = run(s, ['diff']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('? service:nginx: state not checked (no service manager runs this root)');
    expect(run(s, ['apply']).code).toBe(0);
  });

  it('fails a package install under a root without apt with the reason, and applies the rest', async () => {
    const s = await systemBox('[[package]]\nname = "sl"\n\n[[group]]\nname = "ops"\n');
    const r = run(s, ['apply', '--yes']);
    expect(r.code).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toContain('cannot install or remove packages under root');
    expect((await readEtc(s.root, 'group')).some((l) => l.startsWith('ops:'))).toBe(true);
  });
});
