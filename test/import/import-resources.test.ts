// importState in process against temp roots: what each kind's table holds in the corners (numeric
// owners, setuid modes, links to absolute paths, duplicate requests), and that every generated table
// is what its controller reports as converged.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controllerFor } from '../../controllers/registry.js';
import { specSchemaFor } from '../../controllers/spec-schemas.js';
import { ValidationError } from '../../src/errors.js';
import { spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { importState } from '../../src/specs/import-resources.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function root(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-import-'));
  dirs.push(d);
  fs.mkdirSync(path.join(d, 'etc'));
  fs.writeFileSync(
    path.join(d, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/bash\napp:x:1500:1600:App,,,:/srv/app:/usr/sbin/nologin\n',
  );
  fs.writeFileSync(path.join(d, 'etc/group'), 'root:x:0:\nadm:x:4:app\nwww:x:33:app\n');
  return d;
}

const ctx = (r: string) => ({ root: new RootPath(r), runner: spawnRunner, specDir: r });

async function converged(
  r: string,
  tables: { kind: string; fields: Record<string, unknown> }[],
): Promise<string[]> {
  const out: string[] = [];
  for (const t of tables) {
    const c = controllerFor(t.kind);
    const schema = specSchemaFor(t.kind);
    if (!c || !schema) throw new Error(t.kind);
    const spec = schema.parse(t.fields);
    const changes = c
      .diff(spec, await c.observe(spec, ctx(r)))
      .filter((x: { unobservable?: string }) => !x.unobservable);
    if (changes.length > 0) out.push(`${t.kind}:${c.name(spec)}`);
  }
  return out;
}

describe('importState', () => {
  it('writes numeric owners and groups the root does not know, and keeps setuid bits', async () => {
    const r = root();
    const f = path.join(r, 'etc/tool');
    fs.writeFileSync(f, '#!/bin/sh\n');
    fs.chownSync(f, 4321, 8765);
    fs.chmodSync(f, 0o4755);
    const res = await importState({ paths: ['/etc/tool'], contents: 'inline' }, ctx(r));
    expect(res.tables[0]?.fields).toMatchObject({
      path: '/etc/tool',
      mode: '4755',
      owner: 4321,
      group: 8765,
    });
    expect(await converged(r, res.tables)).toEqual([]);
  });

  it('imports a link to an absolute path as a link, never following it out of the root', async () => {
    const r = root();
    fs.symlinkSync('/etc/shadow', path.join(r, 'etc/evil'));
    const res = await importState({ paths: ['/etc/evil'], contents: 'inline' }, ctx(r));
    expect(res.tables).toEqual([{ kind: 'symlink', fields: { path: '/etc/evil', target: '/etc/shadow' } }]);
    expect(res.copies).toEqual([]);
  });

  it('imports each path once however often it is named or reached', async () => {
    const r = root();
    fs.mkdirSync(path.join(r, 'etc/app'));
    fs.writeFileSync(path.join(r, 'etc/app/a'), 'a\n');
    const res = await importState(
      { paths: ['/etc/app/a', '/etc/app', '/etc//app/', '/etc/app/a'], contents: 'inline' },
      ctx(r),
    );
    expect(res.ids).toEqual(['file:/etc/app/a', 'directory:/etc/app']);
  });

  it("reads a user's uid, primary group, supplementary groups, home, shell and comment", async () => {
    const r = root();
    const res = await importState({ users: ['app'], groups: ['www'], contents: 'inline' }, ctx(r));
    expect(res.tables).toEqual([
      { kind: 'group', fields: { name: 'www', gid: 33 } },
      {
        kind: 'user',
        fields: {
          name: 'app',
          uid: 1500,
          gid: 1600,
          groups: ['adm', 'www'],
          home: '/srv/app',
          shell: '/usr/sbin/nologin',
          comment: 'App,,,',
        },
      },
    ]);
    expect(await converged(r, res.tables)).toEqual([]);
  });

  it('keeps an empty file and CRLF text exactly', async () => {
    const r = root();
    fs.writeFileSync(path.join(r, 'etc/empty'), '');
    fs.writeFileSync(path.join(r, 'etc/dos'), 'a\r\nb\r\n');
    const res = await importState({ paths: ['/etc/empty', '/etc/dos'], contents: 'inline' }, ctx(r));
    expect(res.tables.map((t) => t.fields.content)).toEqual(['', 'a\r\nb\r\n']);
    expect(await converged(r, res.tables)).toEqual([]);
  });

  it('gives source copies with the bytes read, marking the sensitive ones', async () => {
    const r = root();
    fs.writeFileSync(path.join(r, 'etc/open'), 'open\n', { mode: 0o644 });
    fs.writeFileSync(path.join(r, 'etc/closed'), 'closed\n', { mode: 0o600 });
    const res = await importState({ paths: ['/etc/open', '/etc/closed'], contents: 'source' }, ctx(r));
    expect(res.copies.map((c) => [c.relPath, c.data.toString(), c.sensitive])).toEqual([
      ['files/etc/open', 'open\n', false],
      ['files/etc/closed', 'closed\n', true],
    ]);
    expect(res.tables[1]?.fields).toMatchObject({
      source: 'files/etc/closed',
      sensitive: true,
      mode: '0600',
    });
  });

  it('inlines small text only: a large file without --out keeps its metadata and says why', async () => {
    const r = root();
    fs.writeFileSync(path.join(r, 'etc/big'), 'x'.repeat(70_000));
    const res = await importState({ paths: ['/etc/big'], contents: 'inline' }, ctx(r));
    expect(res.tables[0]?.fields.content).toBeUndefined();
    expect(res.warnings).toContain(
      '/etc/big: 70000 bytes is too big to inline; use --out FILE to keep it as a source copy',
    );
    const withOut = await importState({ paths: ['/etc/big'], contents: 'source' }, ctx(r));
    expect(withOut.copies[0]?.data.length).toBe(70_000);
  });

  it('skips a fifo with a warning', async () => {
    const r = root();
    fs.mkdirSync(path.join(r, 'etc/d'));
    fs.writeFileSync(path.join(r, 'etc/d/f'), 'x');
    execFileSync('mkfifo', [path.join(r, 'etc/d/pipe')]);
    const res = await importState({ paths: ['/etc/d'], contents: 'inline' }, ctx(r));
    expect(res.ids).toEqual(['directory:/etc/d', 'file:/etc/d/f']);
    expect(res.warnings).toContain(
      '/etc/d/pipe: skipped (a device, socket or fifo is not a resource aios manages)',
    );
  });

  it('collects every problem into one ValidationError', async () => {
    const r = root();
    const err = await importState(
      { paths: ['/nope', 'rel'], users: ['ghost'], groups: ['-bad'], services: ['x;y'], contents: 'inline' },
      ctx(r),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).problems).toHaveLength(5);
  });
});
