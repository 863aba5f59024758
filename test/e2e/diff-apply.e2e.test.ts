// End to end: the built CLI against temp roots; assertions on files, exit codes and output.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, type Sandbox, sandboxes, tree, writeSpec } from './helpers.js';

const box = sandboxes();

const motdSpec = `
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
`;

function motdBox(): Sandbox {
  const s = box();
  fs.mkdirSync(`${s.specs}/files`);
  fs.writeFileSync(`${s.specs}/files/motd.txt`, 'hello from aios\n');
  writeSpec(s, 'site.toml', motdSpec);
  return s;
}

describe('aios diff', () => {
  it('shows pending creates with a unified diff and exits 2, writing nothing', () => {
    const s = motdBox();
    const r = run(s, ['diff']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('+ create file:/etc/motd');
    expect(r.stdout).toContain('+hello from aios');
    expect(r.stdout).toContain('+ create directory:/etc/app');
    expect(r.stdout).toMatch(/Plan: 3 to create, 0 to change, 0 to remove, 0 unchanged/);
    expect(tree(s.root)).toEqual(['etc']);
  });

  it('prints a plan with a hash as JSON and per-phase timings', () => {
    const s = motdBox();
    const r = run(s, ['diff', '--json', '--timings']);
    expect(r.code).toBe(2);
    const plan = JSON.parse(r.stdout);
    expect(plan.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.summary).toEqual({ create: 3, change: 0, remove: 0, error: 0, converged: 0 });
    expect(plan.resources.map((x: { id: string }) => x.id)).toEqual([
      'directory:/etc/app',
      'file:/etc/app/app.conf',
      'file:/etc/motd',
    ]);
    expect(Object.keys(plan.timings)).toEqual(['start', 'load', 'observe', 'diff']);
  });

  it('limits the output to --only ids', () => {
    const s = motdBox();
    const r = run(s, ['diff', '--only', 'file:/etc/motd']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('file:/etc/motd');
    expect(r.stdout).not.toContain('directory:/etc/app');
  });

  it('refuses a broken spec with file, line, kind and field, and changes nothing', () => {
    const s = box();
    const file = writeSpec(
      s,
      'bad.toml',
      '[[file]]\npath = "/etc/x"\nmode = 644\n\n[[service]]\nname = "web"\nrequires = ["package:nope"]\n',
    );
    for (const cmd of [['diff'], ['apply', '--yes']]) {
      const r = run(s, cmd);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${file}:3`);
      expect(r.stderr).toContain('"mode"');
      expect(r.stderr).toContain('[[file]]');
    }
    expect(tree(s.root)).toEqual(['etc']);
  });

  it('names a dependency cycle', () => {
    const s = box();
    writeSpec(
      s,
      'c.toml',
      '[[group]]\nname = "a"\nrequires = ["group:b"]\n\n[[group]]\nname = "b"\nrequires = ["group:a"]\n',
    );
    const r = run(s, ['diff']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dependency cycle: group:a → group:b → group:a/);
  });

  it("never shows a sensitive file's contents: not in diff, --json, apply output or memory", () => {
    const s = box();
    writeSpec(
      s,
      'secret.toml',
      '[[file]]\npath = "/etc/token"\ncontent = "hunter2-SECRET\\n"\nsensitive = true\nmode = "0600"\n',
    );
    const d = run(s, ['diff']);
    expect(d.code).toBe(2);
    expect(d.stdout).toContain('+ create file:/etc/token');
    const j = run(s, ['diff', '--json']);
    const a = run(s, ['apply', '--json']);
    expect(a.code).toBe(0);
    fs.writeFileSync(path.join(s.root, 'etc/token'), 'changed-by-hand-SECRET2\n');
    const d2 = run(s, ['diff']);
    expect(d2.code).toBe(2);
    for (const out of [d.stdout, j.stdout, a.stdout, d2.stdout]) {
      expect(out).not.toContain('hunter2');
      expect(out).not.toContain('SECRET2');
    }
    expect(fs.readFileSync(path.join(s.root, 'etc/token'), 'utf8')).toBe('changed-by-hand-SECRET2\n');
    const dbFiles = fs.readdirSync(s.data).filter((f) => f.startsWith('memory.db'));
    expect(dbFiles).toContain('memory.db');
    for (const f of dbFiles) {
      expect(fs.readFileSync(path.join(s.data, f)).toString('latin1')).not.toContain('hunter2');
    }
  });
});

describe('exec resources', () => {
  it('accepts a successful onlyif exec although its condition still holds afterwards', () => {
    const s = box();
    fs.mkdirSync(path.join(s.root, 'var'), { recursive: true });
    writeSpec(
      s,
      'exec.toml',
      `
[[exec]]
name = "log-run"
command = 'echo ran >> "$AIOS_ROOT/var/runs.log"'
onlyif = "true"
`,
    );
    const r = run(s, ['apply', '--yes']);
    expect(r.stdout).toMatch(/changed\s+exec:log-run/);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(s.root, 'var/runs.log'), 'utf8')).toBe('ran\n');
  });

  it('still fails an exec whose creates guard is not met after it ran', () => {
    const s = box();
    writeSpec(
      s,
      'exec.toml',
      `
[[exec]]
name = "forgets"
command = "true"
creates = "/opt/never"
`,
    );
    const r = run(s, ['apply', '--yes']);
    expect(r.code).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toMatch(/did not converge after apply/);
  });
});
