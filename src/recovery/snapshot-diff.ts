// What changed between two captured states (two snapshots, or a snapshot and the live system):
// files added/removed/modified with unified diffs for text, metadata changes in words, package
// changes ("nginx 1.22 -> removed") and enabled-unit changes. Pure except for the content loaders
// the caller passes in. Never prints.
import { createTwoFilesPatch } from 'diff';
import { entryKey } from './capture.js';
import { parsePackageList } from './host-meta.js';
import { displayPath, type ManifestEntry, sameMtime, sameXattrs } from './manifest.js';

/** Diffs of files bigger than this are summarized, not shown. */
const MAX_DIFF_BYTES = 512 * 1024;

export interface FileChange {
  path: string;
  change: 'added' | 'removed' | 'modified';
  type: string;
  /** Human words for what differs: "content", "mode 0644 -> 0600", "owner root -> www-data", ... */
  details: string[];
  /** Unified diff for text contents. */
  diff?: string;
}

export interface PackageChange {
  name: string;
  before?: string;
  after?: string;
  /** "nginx 1.22 -> removed", "curl added 7.88", "openssl 3.0.1 -> 3.0.2" */
  text: string;
}

export interface SnapshotDiff {
  from: string;
  to: string;
  files: FileChange[];
  packages: PackageChange[];
  units: { enabled: string[]; disabled: string[] };
  summary: { added: number; removed: number; modified: number; packages: number };
}

export interface DiffSide {
  label: string;
  entries: ManifestEntry[];
  packages?: string | undefined;
  units: string[];
  users: Record<string, string>;
  groups: Record<string, string>;
  content(e: ManifestEntry): Buffer | undefined;
}

function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

function isText(b: Buffer): boolean {
  if (b.length > MAX_DIFF_BYTES) return false;
  if (b.subarray(0, 8000).includes(0)) return false;
  return Buffer.from(b.toString('utf8'), 'utf8').equals(b);
}

function who(id: number, names: Record<string, string>): string {
  return names[String(id)] ?? String(id);
}

function details(a: ManifestEntry, b: ManifestEntry, sa: DiffSide, sb: DiffSide): string[] {
  const out: string[] = [];
  if (a.type !== b.type) return [`type ${a.type} -> ${b.type}`];
  if (a.hash !== b.hash) out.push('content');
  if (a.target !== b.target) {
    out.push(`target ${displayPath(a.target ?? '')} -> ${displayPath(b.target ?? '')}`);
  }
  if (a.mode !== b.mode && a.type !== 'symlink') out.push(`mode ${octal(a.mode)} -> ${octal(b.mode)}`);
  if (a.uid !== b.uid) out.push(`owner ${who(a.uid, sa.users)} -> ${who(b.uid, sb.users)}`);
  if (a.gid !== b.gid) out.push(`group ${who(a.gid, sa.groups)} -> ${who(b.gid, sb.groups)}`);
  if (!sameXattrs(a.xattrs, b.xattrs)) {
    const names = new Set([...Object.keys(a.xattrs ?? {}), ...Object.keys(b.xattrs ?? {})]);
    const diffNames = [...names].filter((n) => a.xattrs?.[n] !== b.xattrs?.[n]);
    out.push(`xattrs ${diffNames.join(', ')}`);
  }
  if (out.length === 0 && a.type === 'file' && !sameMtime(a.mtimeMs, b.mtimeMs)) {
    out.push('mtime');
  }
  return out;
}

function textDiff(path: string, a: Buffer | undefined, b: Buffer | undefined, la: string, lb: string) {
  if ((a && !isText(a)) || (b && !isText(b))) return undefined;
  return createTwoFilesPatch(
    a ? `${la}:${path}` : '/dev/null',
    b ? `${lb}:${path}` : '/dev/null',
    a?.toString('utf8') ?? '',
    b?.toString('utf8') ?? '',
    undefined,
    undefined,
    { context: 3 },
  );
}

export function diffSides(a: DiffSide, b: DiffSide, withContent = true): SnapshotDiff {
  const mapA = new Map(a.entries.map((e) => [entryKey(e), e]));
  const mapB = new Map(b.entries.map((e) => [entryKey(e), e]));
  const files: FileChange[] = [];
  const summary = { added: 0, removed: 0, modified: 0, packages: 0 };
  for (const [k, ea] of mapA) {
    const eb = mapB.get(k);
    const path = displayPath(ea.path);
    if (!eb) {
      summary.removed++;
      const fc: FileChange = { path, change: 'removed', type: ea.type, details: [] };
      if (withContent && ea.type === 'file') {
        const d = textDiff(path, a.content(ea), undefined, a.label, b.label);
        if (d) fc.diff = d;
      }
      files.push(fc);
      continue;
    }
    const det = details(ea, eb, a, b);
    if (det.length === 0) continue;
    summary.modified++;
    const fc: FileChange = { path, change: 'modified', type: eb.type, details: det };
    if (withContent && ea.type === 'file' && eb.type === 'file' && ea.hash !== eb.hash) {
      const d = textDiff(path, a.content(ea), b.content(eb), a.label, b.label);
      if (d) fc.diff = d;
    }
    files.push(fc);
  }
  for (const [k, eb] of mapB) {
    if (mapA.has(k)) continue;
    summary.added++;
    const path = displayPath(eb.path);
    const fc: FileChange = { path, change: 'added', type: eb.type, details: [] };
    if (withContent && eb.type === 'file') {
      const d = textDiff(path, undefined, b.content(eb), a.label, b.label);
      if (d) fc.diff = d;
    }
    files.push(fc);
  }
  files.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));

  const packages: PackageChange[] = [];
  if (a.packages !== undefined && b.packages !== undefined && a.packages !== b.packages) {
    const pa = parsePackageList(a.packages);
    const pb = parsePackageList(b.packages);
    const installed = (s?: { status: string }) => s !== undefined && s.status.charAt(1) === 'i';
    for (const [name, before] of pa) {
      const after = pb.get(name);
      if (installed(before) && !installed(after)) {
        packages.push({ name, before: before.version, text: `${name} ${before.version} -> removed` });
      } else if (installed(before) && after && before.version !== after.version) {
        packages.push({
          name,
          before: before.version,
          after: after.version,
          text: `${name} ${before.version} -> ${after.version}`,
        });
      }
    }
    for (const [name, after] of pb) {
      if (installed(after) && !installed(pa.get(name))) {
        packages.push({ name, after: after.version, text: `${name} added ${after.version}` });
      }
    }
    packages.sort((x, y) => (x.name < y.name ? -1 : 1));
  }
  summary.packages = packages.length;
  const ua = new Set(a.units);
  const ub = new Set(b.units);
  return {
    from: a.label,
    to: b.label,
    files,
    packages,
    units: { enabled: b.units.filter((u) => !ua.has(u)), disabled: a.units.filter((u) => !ub.has(u)) },
    summary,
  };
}
