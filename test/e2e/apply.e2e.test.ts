// End to end: `aios apply` through the built CLI against temp roots: converge, no-op, drift repair,
// policy blocks, saved plans, dry runs. Assertions on files under the root and on exit codes.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rootFile, run, type Sandbox, sandboxes, tree, writeSpec } from './helpers.js';

const box = sandboxes();

function siteBox(): Sandbox {
  const s = box();
  fs.mkdirSync(path.join(s.specs, 'files'));
  fs.writeFileSync(path.join(s.specs, 'files/motd.txt'), 'hello from aios\n');
  writeSpec(
    s,
    'site.toml',
    `
[[directory]]
path = "/etc/app"
mode = "0755"

[[file]]
path = "/etc/app/app.conf"
content = "port = 8080\\n"
mode = "0640"

[[file]]
path = "/etc/motd"
source = "files/motd.txt"
mode = "0644"

[[symlink]]
path = "/etc/app/current.conf"
target = "/etc/app/app.conf"
`,
  );
  return s;
}

const modeOf = (p: string) => (fs.statSync(p).mode & 0o7777).toString(8);

describe('aios apply', () => {
  it('converges: diff exits 2, apply 0, diff 0, and a second apply changes nothing and takes no snapshot', () => {
    const s = siteBox();
    expect(run(s, ['diff']).code).toBe(2);

    const first = run(s, ['apply', '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report.counts).toMatchObject({ changed: 4, failed: 0, blocked: 0 });
    expect(report.snapshot).toMatch(/\S/);
    expect(fs.readFileSync(rootFile(s, '/etc/motd'), 'utf8')).toBe('hello from aios\n');
    expect(fs.readFileSync(rootFile(s, '/etc/app/app.conf'), 'utf8')).toBe('port = 8080\n');
    expect(modeOf(rootFile(s, '/etc/app/app.conf'))).toBe('640');
    expect(fs.readlinkSync(rootFile(s, '/etc/app/current.conf'))).toBe('/etc/app/app.conf');

    expect(run(s, ['diff']).code).toBe(0);
    const again = run(s, ['apply', '--json']);
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout);
    expect(second.counts).toMatchObject({ changed: 0, unchanged: 4 });
    expect(second.snapshot).toBeUndefined();
  });

  it('repairs drift and prints a summary', () => {
    const s = siteBox();
    expect(run(s, ['apply']).code).toBe(0);
    fs.writeFileSync(rootFile(s, '/etc/motd'), 'vandalised\n');
    fs.chmodSync(rootFile(s, '/etc/app/app.conf'), 0o666);
    const d = run(s, ['diff']);
    expect(d.code).toBe(2);
    expect(d.stdout).toContain('~ change file:/etc/motd');
    expect(d.stdout).toContain('-vandalised');
    expect(d.stdout).toMatch(/mode: 0666 → 0640/);
    const a = run(s, ['apply', '--timings']);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/Apply: 2 changed, 2 unchanged, 0 failed, 0 blocked, 0 skipped; snapshot \S+/);
    expect(a.stdout).toMatch(
      /timings: start [\d.]+ ms, load [\d.]+ ms, observe [\d.]+ ms, diff [\d.]+ ms, gate [\d.]+ ms, snapshot [\d.]+ ms, apply/,
    );
    expect(fs.readFileSync(rootFile(s, '/etc/motd'), 'utf8')).toBe('hello from aios\n');
    expect(modeOf(rootFile(s, '/etc/app/app.conf'))).toBe('640');
  });

  it('never runs a denied action: the resource is blocked with its rule, its dependents skipped, exit 3', () => {
    const s = box();
    writeSpec(
      s,
      'bad.toml',
      '[[file]]\npath = "/etc/shadow"\ncontent = "root::0:0:::::\\n"\n\n[[file]]\npath = "/etc/after"\ncontent = "x"\nrequires = ["file:/etc/shadow"]\n\n[[file]]\npath = "/etc/fine"\ncontent = "ok\\n"\n',
    );
    const r = run(s, ['apply', '--yes']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/blocked\s+file:\/etc\/shadow/);
    expect(r.stdout).toContain('shadow-tool-write');
    expect(r.stdout).toMatch(/skipped\s+file:\/etc\/after/);
    expect(fs.existsSync(rootFile(s, '/etc/shadow'))).toBe(false);
    expect(fs.existsSync(rootFile(s, '/etc/after'))).toBe(false);
    expect(fs.readFileSync(rootFile(s, '/etc/fine'), 'utf8')).toBe('ok\n');
  });

  it('does not run a confirm-rule action without a TTY or --yes, and runs it with --yes', () => {
    const s = box();
    writeSpec(
      s,
      'sudo.toml',
      '[[file]]\npath = "/etc/sudoers.d/ops"\ncontent = "%ops ALL=(ALL) ALL\\n"\nmode = "0440"\n',
    );
    fs.mkdirSync(rootFile(s, '/etc/sudoers.d'));
    const no = run(s, ['apply']);
    expect(no.code).toBe(3);
    expect(no.stderr).toContain('needs confirmation');
    expect(fs.existsSync(rootFile(s, '/etc/sudoers.d/ops'))).toBe(false);
    const yes = run(s, ['apply', '--yes']);
    expect(yes.code).toBe(0);
    expect(fs.readFileSync(rootFile(s, '/etc/sudoers.d/ops'), 'utf8')).toBe('%ops ALL=(ALL) ALL\n');
  });

  it('--dry-run changes nothing and takes no snapshot', () => {
    const s = siteBox();
    const r = run(s, ['apply', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Dry run: 4 would change/);
    expect(tree(s.root)).toEqual(['etc']);
    expect(tree(path.join(s.data, 'snapshots')).filter((p) => p.startsWith('objects/'))).toEqual([]);
  });

  it('applies a saved plan, and refuses it after the host drifted', () => {
    const s = siteBox();
    const planFile = path.join(s.dir, 'plan.json');
    fs.writeFileSync(planFile, run(s, ['diff', '--json']).stdout);
    fs.writeFileSync(rootFile(s, '/etc/motd'), 'someone was here\n');
    const refused = run(s, ['apply', '--plan', planFile]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no longer matches.*nothing was applied/);
    expect(fs.readFileSync(rootFile(s, '/etc/motd'), 'utf8')).toBe('someone was here\n');
    expect(fs.existsSync(rootFile(s, '/etc/app'))).toBe(false);

    fs.writeFileSync(planFile, run(s, ['diff', '--json']).stdout);
    const ok = run(s, ['apply', '--plan', planFile]);
    expect(ok.code).toBe(0);
    expect(fs.readFileSync(rootFile(s, '/etc/motd'), 'utf8')).toBe('hello from aios\n');
  });

  it('applies only the --only ids', () => {
    const s = siteBox();
    const r = run(s, ['apply', '--only', 'file:/etc/motd']);
    expect(r.code).toBe(0);
    expect(tree(s.root)).toEqual(['etc', 'etc/motd']);
  });

  it('restarts nothing but reports a failing resource and skips its dependents (exit 1)', () => {
    const s = box();
    writeSpec(
      s,
      'x.toml',
      '[[exec]]\nname = "fails"\ncommand = "exit 7"\ncreates = "/etc/never"\n\n[[file]]\npath = "/etc/after-exec"\ncontent = "x"\nrequires = ["exec:fails"]\n\n[[file]]\npath = "/etc/independent"\ncontent = "y"\n',
    );
    const r = run(s, ['apply', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/failed\s+exec:fails/);
    expect(r.stdout).toMatch(/skipped\s+file:\/etc\/after-exec/);
    expect(fs.existsSync(rootFile(s, '/etc/after-exec'))).toBe(false);
    expect(fs.readFileSync(rootFile(s, '/etc/independent'), 'utf8')).toBe('y');
  });

  it('records the run in memory', () => {
    const s = siteBox();
    expect(run(s, ['apply']).code).toBe(0);
    const h = run(s, ['history', '--kind', 'reconcile', '--json']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('changed');
  });

  it('records the run and the command on one connection, and a diff (which only looks) not at all', () => {
    const s = siteBox();
    expect(run(s, ['apply']).code).toBe(0);
    expect(run(s, ['diff']).code).toBe(0);
    const commands = JSON.parse(run(s, ['history', '--kind', 'command', '--json']).stdout) as {
      text: string;
    }[];
    expect(commands.map((c) => c.text)).toEqual(['aios apply  (exit 0)']);
    const runs = JSON.parse(run(s, ['history', '--kind', 'reconcile', '--json']).stdout) as unknown[];
    expect(runs).toHaveLength(1);
  });
});

describe('auto_rollback', () => {
  it('restores what the run changed when a resource does not converge, and reports both', () => {
    const s = box('auto_rollback = true\n');
    fs.writeFileSync(rootFile(s, '/etc/a.conf'), 'old\n');
    writeSpec(
      s,
      'r.toml',
      '[[file]]\npath = "/etc/a.conf"\ncontent = "new\\n"\n\n[[exec]]\nname = "liar"\ncommand = "true"\ncreates = "/etc/never"\nrequires = ["file:/etc/a.conf"]\n',
    );
    const r = run(s, ['apply', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/failed\s+exec:liar/);
    expect(r.stdout).toMatch(/did not converge/);
    expect(r.stdout).toMatch(/auto-rollback: restored 1 and removed 0 path\(s\) from snapshot \S+/);
    expect(fs.readFileSync(rootFile(s, '/etc/a.conf'), 'utf8')).toBe('old\n');
  });
});

describe('notify', () => {
  it('runs a notified refreshonly exec after its input changed, and keeps it queued until it succeeds', () => {
    const s = box();
    writeSpec(
      s,
      'n.toml',
      [
        '[[file]]',
        'path = "/etc/app.conf"',
        'content = "v1\\n"',
        'notify = ["exec:reload"]',
        '',
        '[[exec]]',
        'name = "reload"',
        'refreshonly = true',
        // Fails until /etc/ready exists; then counts its runs in /etc/reloads.
        'command = "test -e \\"$AIOS_ROOT/etc/ready\\" && echo run >> \\"$AIOS_ROOT/etc/reloads\\""',
      ].join('\n'),
    );
    const first = run(s, ['apply', '--yes']);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/notify exec:reload: failed/);
    expect(fs.readFileSync(rootFile(s, '/etc/app.conf'), 'utf8')).toBe('v1\n');
    const queue = JSON.parse(fs.readFileSync(path.join(s.data, 'notify-queue.json'), 'utf8'));
    expect(queue.pending).toMatchObject([{ target: 'exec:reload', from: ['file:/etc/app.conf'] }]);

    // The file is converged now, but the reload is still owed.
    fs.writeFileSync(rootFile(s, '/etc/ready'), '');
    const second = run(s, ['apply', '--yes']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/Apply: 0 changed/);
    expect(fs.readFileSync(rootFile(s, '/etc/reloads'), 'utf8')).toBe('run\n');

    const third = run(s, ['apply', '--yes']);
    expect(third.code).toBe(0);
    expect(fs.readFileSync(rootFile(s, '/etc/reloads'), 'utf8')).toBe('run\n');
    expect(JSON.parse(fs.readFileSync(path.join(s.data, 'notify-queue.json'), 'utf8')).pending).toEqual([]);
  });
});

describe('aios demo', () => {
  it('runs diff, apply and diff in a fresh sandbox and exits 0', () => {
    const s = box();
    const r = run(s, ['demo']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+ create file:/etc/motd');
    expect(r.stdout).toMatch(/No changes: \d+ resources converged/);
    expect(r.stdout).toContain('Demo done');
    const sandboxDir = /aios demo: sandbox (\S+)/.exec(r.stdout)?.[1] as string;
    expect(fs.existsSync(sandboxDir)).toBe(false);
  });

  it('keeps the sandbox with --keep', () => {
    const s = box();
    const r = run(s, ['demo', '--keep']);
    expect(r.code).toBe(0);
    const sandboxDir = /aios demo: sandbox (\S+)/.exec(r.stdout)?.[1] as string;
    expect(fs.readFileSync(path.join(sandboxDir, 'root/etc/motd'), 'utf8')).toContain('Welcome');
    fs.rmSync(sandboxDir, { recursive: true, force: true });
  });
});
