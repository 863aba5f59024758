// Disk full: a 2 MiB tmpfs as the managed root (apply) and as the snapshot store (snapshot, and the
// snapshot apply takes first). Each must fail with a clear error naming the lack of space, leave no
// torn or temp file, keep old contents whole, and leave a store that verifies. Needs root to mount;
// skipped with the reason otherwise. Unmounted in afterAll.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChaosBox,
  cli,
  crashOf,
  isKnownTemp,
  listTree,
  makeBox,
  removeBox,
  sameTree,
  treeState,
} from './chaos-box.js';
import { report } from './scale.js';

const mounts: string[] = [];
const boxes: ChaosBox[] = [];
let mountError: string | undefined;

function tmpfs(name: string): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `aios-chaos-full-${name}-`));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0755', 'tmpfs', dir], { stdio: 'pipe' });
    mounts.push(dir);
    return dir;
  } catch (e) {
    mountError = `cannot mount a tmpfs (${String((e as { stderr?: Buffer }).stderr ?? e).trim()})`;
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

beforeAll(() => {
  if (!fs.existsSync('dist/cli/aios.js')) throw new Error('build first: npx tsc -p tsconfig.build.json');
});

afterAll(() => {
  for (const b of boxes.splice(0)) removeBox(b);
  for (const m of mounts.splice(0)) {
    try {
      execFileSync('umount', [m], { stdio: 'ignore' });
      fs.rmdirSync(m);
    } catch {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    }
  }
});

const NO_SPACE = /no space|ENOSPC|disk (is )?full/i;

function text(kb: number, tag: string): string {
  // Incompressible: the store cannot make it fit by packing.
  return `${tag}\n${randomBytes(kb * 512).toString('hex')}\n`;
}

function firstError(out: string): string {
  return (out.split('\n').find((l) => NO_SPACE.test(l)) ?? out.split('\n')[0] ?? '').trim().slice(0, 160);
}

function clearError(r: {
  code: number | null;
  stderr: string;
  stdout: string;
  signal: NodeJS.Signals | null;
}): string | undefined {
  const crash = crashOf(r);
  if (crash && !NO_SPACE.test(r.stderr)) return crash;
  if (/\n\s+at .+:\d+:\d+/.test(r.stderr)) return 'stack trace on stderr';
  if (r.code !== 1) return `exit ${r.code}, expected 1`;
  if (!NO_SPACE.test(r.stderr + r.stdout))
    return `the error does not say the disk is full: ${r.stderr.slice(0, 300)}`;
  return undefined;
}

describe('disk full', () => {
  it('as the managed root: apply fails clearly, old contents stay whole, no torn or temp file', (ctx) => {
    const root = tmpfs('root');
    if (!root) return ctx.skip(mountError);
    const b = makeBox('full-root', { root, env: { AIOS_NO_HISTORY: '1' } });
    boxes.push(b);
    fs.mkdirSync(path.join(root, 'etc/app'), { recursive: true });
    const old = text(100, 'old');
    fs.writeFileSync(path.join(root, 'etc/app/big0'), old);
    const want = Array.from({ length: 6 }, (_, i) => text(500, `new ${i}`));
    for (const [i, t] of want.entries()) fs.writeFileSync(path.join(b.specs, `big${i}`), t);
    fs.writeFileSync(
      path.join(b.specs, 'full.toml'),
      want.map((_, i) => `[[file]]\npath = "/etc/app/big${i}"\nsource = "big${i}"\n`).join('\n'),
    );
    const r = cli(b, ['apply', '--yes']);
    const problems: string[] = [];
    const why = clearError(r);
    if (why) problems.push(`apply: ${why}`);
    for (let i = 0; i < want.length; i++) {
      const f = path.join(root, `etc/app/big${i}`);
      if (!fs.existsSync(f)) continue;
      const have = fs.readFileSync(f, 'utf8');
      if (have !== want[i] && !(i === 0 && have === old))
        problems.push(`/etc/app/big${i} is torn (${have.length} bytes)`);
    }
    const temps = listTree(root).filter(isKnownTemp);
    if (temps.length > 0) problems.push(`temp files left: ${temps.join(', ')}`);
    const verify = cli(b, ['snapshot', 'verify']);
    if (verify.code !== 0) problems.push(`snapshot verify exit ${verify.code}`);
    report({
      suite: 'disk full: root during apply',
      tried: 1,
      survived: problems.length === 0 ? 1 : 0,
      notes: `(apply said: ${firstError(r.stderr + r.stdout)})`,
    });
    expect(problems, `stderr: ${r.stderr.slice(0, 400)}`).toEqual([]);
  });

  it('as the snapshot store: snapshot fails clearly, the root is untouched and the store still verifies', (ctx) => {
    const store = tmpfs('store');
    if (!store) return ctx.skip(mountError);
    const b = makeBox('full-store', { store, env: { AIOS_NO_HISTORY: '1' } });
    boxes.push(b);
    fs.writeFileSync(path.join(b.root, 'etc/small'), 'small\n');
    const first = cli(b, ['snapshot', '-d', 'fits']);
    expect(first.code, first.stderr).toBe(0);
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(b.root, `etc/big${i}`), text(500, `big ${i}`));
    const before = treeState(b.root);
    const r = cli(b, ['snapshot', '-d', 'does not fit']);
    const problems: string[] = [];
    const why = clearError(r);
    if (why) problems.push(`snapshot: ${why}`);
    const changed = sameTree(before, treeState(b.root));
    if (changed) problems.push(`the root changed: ${changed}`);
    const verify = cli(b, ['snapshot', 'verify']);
    if (verify.code !== 0)
      problems.push(`snapshot verify exit ${verify.code}: ${verify.stderr.slice(0, 300)}`);
    const list = cli(b, ['snapshots', '--json']);
    if (list.code !== 0 || !list.stdout.includes('fits')) problems.push('the snapshot that fitted is gone');

    // apply snapshots first: with no room for it, nothing may change.
    fs.writeFileSync(
      path.join(b.specs, 'motd.toml'),
      '[[file]]\npath = "/etc/small"\ncontent = "changed\\n"\n',
    );
    const apply = cli(b, ['apply', '--yes']);
    const applyWhy = clearError(apply);
    if (applyWhy) problems.push(`apply: ${applyWhy}`);
    if (fs.readFileSync(path.join(b.root, 'etc/small'), 'utf8') !== 'small\n')
      problems.push('apply changed /etc/small although its snapshot failed');
    report({
      suite: 'disk full: store during snapshot and apply',
      tried: 2,
      survived: 2 - Math.min(2, problems.length),
      notes: `(snapshot said: ${firstError(r.stderr)}; apply said: ${firstError(apply.stderr + apply.stdout)})`,
    });
    expect(
      problems,
      `snapshot stderr: ${r.stderr.slice(0, 300)}\napply stderr: ${apply.stderr.slice(0, 300)}`,
    ).toEqual([]);
  });
});
