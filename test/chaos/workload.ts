// The managed tree the kill tests converge back and forth: two versions (A, B) of ~120 files under
// /etc/chaos (a few large ones, so a kill lands mid-write), their modes, and links whose targets
// differ. Any file found with content that is neither its A nor its B text is torn.
import fs from 'node:fs';
import path from 'node:path';
import type { ChaosBox } from './chaos-box.js';
import { isKnownTemp } from './chaos-box.js';
import { FULL } from './scale.js';

export type Version = 'A' | 'B';

/** Fewer files in CI: the reduced suite must stay under a minute. */
export const FILES = FULL ? 80 : 30;
export const DIRS = 8;
export const LINKS = 6;

export function filePath(i: number): string {
  return `/etc/chaos/d${i % DIRS}/f${i}`;
}

export function content(v: Version, i: number): string {
  // Large files every tenth index: a 320 KiB write is long enough to be interrupted. The versions
  // differ in their first line only, so a plan's line diff stays cheap; a torn write (a prefix, a
  // mix) still matches neither version.
  const size = i % 10 === 0 ? 320 * 1024 : 512 + ((i * 977) % 6000);
  const head = `version ${v} of file ${i} (${v === 'A' ? 'alpha' : 'bravo'})\n`;
  const unit = `file ${i} body line\n`;
  return head + unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

export function mode(v: Version, i: number): string {
  return v === 'B' && i % 7 === 0 ? '0640' : '0644';
}

export function linkTarget(v: Version, k: number): string {
  return v === 'A' ? `d${k % DIRS}/f${k}` : `d${(k + 1) % DIRS}/f${k + 1}`;
}

/** Source files for both versions (written once) and the spec for `v` (replaces the last one). */
export function writeSpec(b: ChaosBox, v: Version): void {
  for (const ver of ['A', 'B'] as const) {
    const dir = path.join(b.specs, `src-${ver}`);
    if (fs.existsSync(dir)) continue;
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(dir, `f${i}`), content(ver, i));
  }
  const lines = ['[[directory]]', 'path = "/etc/chaos"', 'mode = "0755"', ''];
  for (let d = 0; d < DIRS; d++)
    lines.push('[[directory]]', `path = "/etc/chaos/d${d}"`, 'mode = "0755"', '');
  for (let i = 0; i < FILES; i++) {
    lines.push(
      '[[file]]',
      `path = "${filePath(i)}"`,
      `source = "src-${v}/f${i}"`,
      `mode = "${mode(v, i)}"`,
      '',
    );
  }
  for (let k = 0; k < LINKS; k++) {
    lines.push('[[symlink]]', `path = "/etc/chaos/link${k}"`, `target = "${linkTarget(v, k)}"`, '');
  }
  const tmp = path.join(b.specs, '.chaos.toml.tmp');
  fs.writeFileSync(tmp, lines.join('\n'));
  fs.renameSync(tmp, path.join(b.specs, 'chaos.toml'));
}

export interface RootCheck {
  problems: string[];
  /** Known temp files a kill left behind (allowed, counted). */
  leftovers: string[];
}

/**
 * Every managed file holds exactly its A or B text (or is missing when it never existed), every link
 * points at its A or B target, and nothing else is in /etc/chaos except aios's known temp names.
 */
export function checkRoot(b: ChaosBox, allowMissing: boolean): RootCheck {
  const problems: string[] = [];
  const leftovers: string[] = [];
  const base = path.join(b.root, 'etc/chaos');
  const expected = new Map<string, (rel: string) => string | undefined>();
  expected.set('', () => undefined);
  for (let d = 0; d < DIRS; d++) expected.set(`d${d}`, () => undefined);
  for (let i = 0; i < FILES; i++) {
    expected.set(`d${i % DIRS}/f${i}`, (full) => {
      const st = fs.lstatSync(full);
      if (!st.isFile()) return `${filePath(i)} is not a regular file`;
      const text = fs.readFileSync(full, 'utf8');
      if (text !== content('A', i) && text !== content('B', i)) {
        return `${filePath(i)} is torn (${text.length} bytes, neither version A nor B)`;
      }
      return undefined;
    });
  }
  for (let k = 0; k < LINKS; k++) {
    expected.set(`link${k}`, (full) => {
      const t = fs.readlinkSync(full);
      return t === linkTarget('A', k) || t === linkTarget('B', k) ? undefined : `link${k} -> ${t}`;
    });
  }
  if (!fs.existsSync(base)) {
    if (!allowMissing) problems.push('/etc/chaos is missing');
    return { problems, leftovers };
  }
  const seen = new Set<string>(['']);
  for (const rel of fs.readdirSync(base, { recursive: true }) as string[]) {
    if (isKnownTemp(rel)) {
      leftovers.push(rel);
      continue;
    }
    const check = expected.get(rel);
    if (!check) {
      problems.push(`unexpected entry /etc/chaos/${rel}`);
      continue;
    }
    seen.add(rel);
    const why = check(path.join(base, rel));
    if (why) problems.push(why);
  }
  if (!allowMissing) {
    for (const rel of expected.keys()) if (!seen.has(rel)) problems.push(`/etc/chaos/${rel} is missing`);
  }
  return { problems, leftovers };
}

/** The root holds exactly version v (after a converging apply or a finished restore). */
export function rootIs(b: ChaosBox, v: Version): string | undefined {
  for (let i = 0; i < FILES; i++) {
    const full = path.join(b.root, filePath(i));
    if (!fs.existsSync(full)) return `${filePath(i)} missing`;
    if (fs.readFileSync(full, 'utf8') !== content(v, i)) return `${filePath(i)} is not version ${v}`;
    const m = (fs.statSync(full).mode & 0o7777).toString(8).padStart(4, '0');
    if (m !== mode(v, i)) return `${filePath(i)} has mode ${m}, version ${v} has ${mode(v, i)}`;
  }
  for (let k = 0; k < LINKS; k++) {
    const t = fs.readlinkSync(path.join(b.root, `etc/chaos/link${k}`));
    if (t !== linkTarget(v, k)) return `link${k} -> ${t}, version ${v} has ${linkTarget(v, k)}`;
  }
  return undefined;
}
