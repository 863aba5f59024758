import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type UserInputError, ValidationError } from '../../src/errors.js';
import { loadSpecs } from '../../src/specs/load-specs.js';
import { locateTables } from '../../src/specs/toml-lines.js';
import { fakeKinds } from './fake-kinds.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-specs-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

async function problems(): Promise<UserInputError[]> {
  try {
    await loadSpecs(dir, fakeKinds);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return (e as ValidationError).problems;
  }
  throw new Error('expected a ValidationError');
}

describe('loadSpecs', () => {
  it('loads every toml file under the directory in sorted order with ids, lines and relations', async () => {
    write('b.toml', '[[package]]\nname = "nginx"\n');
    const a = write(
      'a.toml',
      '# web\n[[file]]\npath = "/etc/motd"\ncontent = "hi"\nnotify = ["service:nginx"]\n\n[[service]]\nname = "nginx"\nrequires = ["package:nginx"]\n',
    );
    write('sub/c.toml', '[[directory]]\npath = "/srv"\n');
    write('notes.txt', '[[bogus]]\n');
    const { resources, files } = await loadSpecs(dir, fakeKinds);
    expect(files.map((f) => path.relative(dir, f))).toEqual(['a.toml', 'b.toml', 'sub/c.toml']);
    expect(resources.map((r) => r.id)).toEqual([
      'file:/etc/motd',
      'service:nginx',
      'package:nginx',
      'directory:/srv',
    ]);
    const motd = resources[0];
    expect(motd?.source).toEqual({ file: a, line: 2 });
    expect(motd?.notify).toEqual(['service:nginx']);
    expect(resources[1]?.requires).toEqual(['package:nginx']);
    expect(resources[1]?.source.line).toBe(7);
  });

  it('resolves a relative source from the spec file directory', async () => {
    write('web/files/site.conf', 'server {}\n');
    write('web/site.toml', '[[file]]\npath = "/etc/nginx/site.conf"\nsource = "files/site.conf"\n');
    const { resources } = await loadSpecs(dir, fakeKinds);
    expect(resources[0]?.spec.source).toBe(path.join(dir, 'web/files/site.conf'));
  });

  it('names file, line, kind and field for an invalid value', async () => {
    const f = write('x.toml', '[[file]]\npath = "/a"\n\n[[file]]\npath = "/b"\nmode = "999"\n');
    const [p, ...rest] = await problems();
    expect(rest).toEqual([]);
    expect(p?.location).toMatchObject({ file: f, line: 6, key: 'file.mode' });
    expect(p?.message).toContain(`${f}:6`);
    expect(p?.message).toContain('file');
    expect(p?.message).toContain('"mode"');
    expect(p?.message).toContain('octal');
  });

  it('collects every error from every file instead of stopping at the first', async () => {
    write('1.toml', '[[file]]\npath = "relative"\n');
    write('2.toml', '[[file]]\npath = "/ok"\nsurprise = 1\n');
    write('3.toml', '[[file]]\npath = "/x"\nsource = "missing.txt"\n');
    const list = await problems();
    expect(list).toHaveLength(3);
    expect(list[0]?.message).toMatch(/1\.toml:2 .*"path".*absolute/);
    expect(list[1]?.message).toMatch(/2\.toml:3 .*"surprise"/);
    expect(list[2]?.message).toMatch(/3\.toml:3 .*"source".*does not exist/);
  });

  it('refuses an unknown kind, naming file, line and kind', async () => {
    write('k.toml', 'title = "x"\n\n[[widget]]\nname = "a"\n');
    const list = await problems();
    expect(list.map((p) => p.message)).toEqual([
      expect.stringMatching(/k\.toml:1 .*\[\[title\]\]: unknown resource kind/),
      expect.stringMatching(/k\.toml:3 .*\[\[widget\]\]: unknown resource kind/),
    ]);
  });

  it('names file and line for an unknown key of any length (no regex is built from it)', async () => {
    const huge = 'k'.repeat(40_000);
    write('huge.toml', `# first\n${huge} = "x"\n`);
    const list = await problems();
    expect(list).toHaveLength(1);
    expect(list[0]?.message).toMatch(/huge\.toml:2 .*unknown resource kind/);
  });

  it('reports TOML syntax errors with their line', async () => {
    const f = write('bad.toml', '[[file]]\npath = "/a"\nmode = \n');
    const [p] = await problems();
    expect(p?.location?.file).toBe(f);
    expect(p?.location?.line).toBe(3);
    expect(p?.message).toContain('invalid TOML');
  });

  it('refuses duplicate ids across files naming both places', async () => {
    const a = write('a.toml', '[[file]]\npath = "/etc/motd"\n');
    const b = write('b.toml', '\n\n[[file]]\npath = "/etc//motd"\n[[file]]\npath = "/etc/motd"\n');
    const list = await problems();
    expect(list).toHaveLength(1);
    expect(list[0]?.message).toContain(`${b}:5`);
    expect(list[0]?.message).toContain(`also declared at ${a}:1`);
  });

  it('refuses requires that are not resource ids', async () => {
    write('r.toml', '[[package]]\nname = "a"\nrequires = "package:b"\n');
    const [p] = await problems();
    expect(p?.message).toMatch(/r\.toml:3 .*"requires"/);
  });

  it('says how to fix a kind written as a plain table', async () => {
    write('t.toml', '[file]\npath = "/a"\n');
    const [p] = await problems();
    expect(p?.message).toContain('write [[file]]');
  });

  it('fails clearly when the specs directory is missing', async () => {
    await expect(loadSpecs(path.join(dir, 'nope'), fakeKinds)).rejects.toThrow(/does not exist/);
  });
});

describe('locateTables', () => {
  it('ignores header-like lines inside multi-line strings', () => {
    const text =
      '[[file]]\npath = "/a"\ncontent = """\n[[file]]\nmode = 1\n"""\nmode = "0644"\n[[file]]\npath = "/b"\n';
    const t = locateTables(text).get('file') ?? [];
    expect(t.map((x) => x.line)).toEqual([1, 8]);
    expect(t[0]?.keys.get('mode')).toBe(7);
  });
});

describe('managed children of a purging directory', () => {
  it('lists what other resources manage inside it, keeping hand-written entries', async () => {
    write(
      'd.toml',
      '[[directory]]\npath = "/etc/app"\npurge = true\n\n[[file]]\npath = "/etc/app/a.conf"\n\n[[file]]\npath = "/etc/app/sub/b.conf"\n\n[[file]]\npath = "/etc/other"\n',
    );
    const { resources } = await loadSpecs(dir, fakeKinds);
    expect(resources[0]?.spec.managed_children).toEqual(['/etc/app/a.conf', '/etc/app/sub/b.conf']);
  });
});

describe('other TOML shapes', () => {
  it('accepts inline arrays of tables and gives their entries the line of the key', async () => {
    const f = write('inline.toml', '# two packages\npackage = [{ name = "a" }, { name = "b" }]\n');
    const { resources } = await loadSpecs(dir, fakeKinds);
    expect(resources.map((r) => [r.id, r.source.line])).toEqual([
      ['package:a', 2],
      ['package:b', 2],
    ]);
    expect(resources[0]?.source.file).toBe(f);
  });

  it('loads the same resources in the same order every time', async () => {
    for (const n of ['z', 'a', 'm']) write(`${n}.toml`, `[[package]]\nname = "${n}"\n`);
    const one = await loadSpecs(dir, fakeKinds);
    const two = await loadSpecs(dir, fakeKinds);
    expect(one.resources.map((r) => r.id)).toEqual(['package:a', 'package:m', 'package:z']);
    expect(two.resources).toEqual(one.resources);
  });
});
