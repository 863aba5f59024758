// End to end for the file-system kinds (file, directory, symlink, cron, sysctl, exec): the built CLI
// against a temp root, state asserted on the files, exit codes and the memory database.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run, type Sandbox, sandbox, writeSpec } from '../e2e/helpers.js';
import { treeFingerprint } from './conformance.js';

const made: Sandbox[] = [];
afterEach(() => {
  for (const s of made.splice(0)) fs.rmSync(s.dir, { recursive: true, force: true });
});

beforeAll(() => {
  if (!fs.existsSync('dist/cli/aios.js')) throw new Error('build first: npx tsc -p tsconfig.build.json');
});

const SECRET = 'TOKEN=e2e-very-secret-value';

const specText = `
[[directory]]
path = "/etc/nginx/conf.d"
mode = "0755"
purge = true

[[file]]
path = "/etc/nginx/conf.d/site.conf"
source = "files/site.conf"
mode = "0644"

[[file]]
path = "/etc/app.env"
content = "${SECRET}\\n"
sensitive = true
mode = "0600"

[[symlink]]
path = "/etc/nginx/default"
target = "conf.d/site.conf"

[[cron]]
name = "backup"
schedule = "30 2 * * *"
command = "/usr/local/bin/backup"

[[sysctl]]
name = "net.ipv4.ip_forward"
value = 1

[[exec]]
name = "init"
command = "touch \\"$AIOS_ROOT/etc/initialised\\""
creates = "/etc/initialised"
`;

function box(): Sandbox {
  const s = sandbox('[security]\nmode = "trusted"\n');
  made.push(s);
  for (const d of ['etc/nginx/conf.d', 'etc/cron.d', 'etc/sysctl.d'])
    fs.mkdirSync(path.join(s.root, d), { recursive: true });
  fs.writeFileSync(path.join(s.root, 'etc/nginx/conf.d/default.conf'), 'stale\n');
  fs.mkdirSync(path.join(s.specs, 'files'));
  fs.writeFileSync(path.join(s.specs, 'files/site.conf'), 'server { listen 80; }\n');
  writeSpec(s, 'web.toml', specText);
  return s;
}

const real = (s: Sandbox, p: string) => path.join(s.root, p);

function memoryBytes(s: Sandbox): string {
  return fs
    .readdirSync(s.data)
    .filter((f) => f.startsWith('memory.db'))
    .map((f) => fs.readFileSync(path.join(s.data, f)).toString('latin1'))
    .join('');
}

describe('file-system kinds through aios diff and apply', () => {
  it('converges, then a second apply writes nothing, and a secret never reaches output or memory', async () => {
    const s = box();
    const diff = run(s, ['diff']);
    expect(diff.code).toBe(2);
    expect(diff.stdout).toContain('+server { listen 80; }');
    expect(diff.stdout).toContain('/etc/nginx/conf.d/default.conf');
    expect(diff.stdout).not.toContain('e2e-very-secret-value');

    const apply = run(s, ['apply', '--yes']);
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).not.toContain('e2e-very-secret-value');
    expect(fs.readdirSync(real(s, 'etc/nginx/conf.d'))).toEqual(['site.conf']);
    expect(fs.readFileSync(real(s, 'etc/app.env'), 'utf8')).toBe(`${SECRET}\n`);
    expect(fs.statSync(real(s, 'etc/app.env')).mode & 0o7777).toBe(0o600);
    expect(fs.readlinkSync(real(s, 'etc/nginx/default'))).toBe('conf.d/site.conf');
    expect(fs.readFileSync(real(s, 'etc/cron.d/backup'), 'utf8')).toContain(
      '30 2 * * * root /usr/local/bin/backup\n',
    );
    expect(fs.readFileSync(real(s, 'etc/sysctl.d/60-aios-net.ipv4.ip_forward.conf'), 'utf8')).toContain(
      'net.ipv4.ip_forward = 1\n',
    );
    expect(fs.existsSync(real(s, 'etc/initialised'))).toBe(true);

    expect(run(s, ['diff']).code).toBe(0);
    const before = await treeFingerprint(s.root);
    expect(run(s, ['apply', '--yes']).code).toBe(0);
    expect(await treeFingerprint(s.root)).toEqual(before);
    expect(memoryBytes(s)).not.toContain('e2e-very-secret-value');
  });

  it('shows drift as a unified diff and repairs it', () => {
    const s = box();
    expect(run(s, ['apply', '--yes']).code).toBe(0);
    fs.writeFileSync(real(s, 'etc/nginx/conf.d/site.conf'), 'server { listen 8080; }\n');
    fs.chmodSync(real(s, 'etc/cron.d/backup'), 0o666);
    fs.rmSync(real(s, 'etc/initialised'));
    fs.writeFileSync(real(s, 'etc/nginx/conf.d/dropped.conf'), 'x\n');

    const diff = run(s, ['diff']);
    expect(diff.code).toBe(2);
    expect(diff.stdout).toContain('-server { listen 8080; }');
    expect(diff.stdout).toContain('+server { listen 80; }');
    expect(diff.stdout).toContain('0666');

    expect(run(s, ['apply', '--yes']).code).toBe(0);
    expect(fs.readFileSync(real(s, 'etc/nginx/conf.d/site.conf'), 'utf8')).toBe('server { listen 80; }\n');
    expect(fs.statSync(real(s, 'etc/cron.d/backup')).mode & 0o7777).toBe(0o644);
    expect(fs.existsSync(real(s, 'etc/initialised'))).toBe(true);
    expect(fs.readdirSync(real(s, 'etc/nginx/conf.d'))).toEqual(['site.conf']);
    expect(run(s, ['diff']).code).toBe(0);
  });

  it('refuses a spec with a bad cron schedule, naming file, line and field, and applies nothing', () => {
    const s = box();
    writeSpec(s, 'bad.toml', '[[cron]]\nname = "x"\nschedule = "61 * * * *"\ncommand = "true"\n');
    const apply = run(s, ['apply', '--yes']);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/bad\.toml:3.*schedule.*61 is a invalid expression for minute/);
    expect(fs.readdirSync(real(s, 'etc/cron.d'))).toEqual([]);
  });
});
