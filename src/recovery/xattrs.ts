// Extended attributes (and POSIX ACLs, which are the system.posix_acl_* xattrs) through the attr
// package's getfattr/setfattr: Node has no xattr API, and one batched process per snapshot or
// restore is cheaper than a native addon per call. Reading never fails a snapshot: a missing
// getfattr means "no xattrs captured" plus a warning. Names that are not UTF-8 cannot be matched
// in getfattr's output (the runner decodes text), so their xattrs are not captured.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProcessRunner } from '../host/process-runner.js';
import { bytePath, isUtf8 } from './manifest.js';

export type XattrMap = Map<string, Record<string, string>>;

const ARG_BUDGET = 64 * 1024;

/** getfattr's quoting of file names: backslash, and control chars as \ooo. */
function unquote(name: string): string {
  return name.replace(/\\(\\|[0-7]{3})/g, (_m, g: string) =>
    g === '\\' ? '\\' : String.fromCharCode(Number.parseInt(g, 8)),
  );
}

function quote(bytePathText: string): string {
  let s = '';
  for (const ch of bytePathText) {
    const c = ch.charCodeAt(0);
    if (ch === '\\') s += '\\\\';
    else if (c < 0x20 || c >= 0x7f) s += `\\${c.toString(8).padStart(3, '0')}`;
    else s += ch;
  }
  return s;
}

/** Parse `getfattr -d -m - -e base64 --absolute-names` output: real path (byte string) -> xattrs. */
export function parseGetfattr(text: string): XattrMap {
  const out: XattrMap = new Map();
  let current: Record<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) {
      const raw = line.slice(8);
      if (raw.includes('\uFFFD')) {
        current = undefined;
        continue;
      }
      current = {};
      // Escapes stand for raw bytes, so unquote after turning the decoded text back into bytes.
      out.set(unquote(bytePath(raw)), current);
      continue;
    }
    if (!current || line === '') continue;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line : line.slice(0, eq);
    let value = eq < 0 ? '' : line.slice(eq + 1);
    if (value.startsWith('0s')) value = value.slice(2);
    else if (value.startsWith('"') && value.endsWith('"')) {
      value = Buffer.from(value.slice(1, -1), 'utf8').toString('base64');
    }
    current[key] = value;
  }
  return out;
}

export interface XattrReader {
  /** Recursive dump of whole trees (first snapshot). */
  readTrees(realTops: string[]): Promise<XattrMap>;
  /** Dump of these exact paths (changed files only). */
  readPaths(realPaths: string[]): Promise<XattrMap>;
  warnings: string[];
}

export function xattrReader(runner: ProcessRunner): XattrReader {
  const warnings: string[] = [];
  let missing = false;
  const run = async (args: string[]): Promise<XattrMap> => {
    if (missing || args.length === 0) return new Map();
    const r = await runner(['getfattr', '-h', '-d', '-m', '-', '-e', 'base64', '--absolute-names', ...args], {
      maxOutputBytes: 256 * 1024 * 1024,
      timeoutMs: 300_000,
    });
    if (r.exitCode === 127) {
      missing = true;
      warnings.push('getfattr not found (install the attr package): xattrs and ACLs were not captured');
      return new Map();
    }
    // Exit 1 means some path vanished or refused; the rest of the output is still good.
    return parseGetfattr(r.stdout);
  };
  const batched = async (paths: string[], extra: string[]): Promise<XattrMap> => {
    const out: XattrMap = new Map();
    let batch: string[] = [];
    let len = 0;
    const flush = async () => {
      for (const [k, v] of await run([...extra, ...batch])) out.set(k, v);
      batch = [];
      len = 0;
    };
    for (const p of paths) {
      if (!isUtf8(p)) continue;
      const text = Buffer.from(p, 'latin1').toString('utf8');
      batch.push(text);
      len += text.length + 1;
      if (len > ARG_BUDGET) await flush();
    }
    if (batch.length > 0) await flush();
    return out;
  };
  return {
    warnings,
    readTrees: (tops) => batched(tops, ['-R']),
    readPaths: (paths) => batched(paths, []),
  };
}

/**
 * Set xattrs on many paths with one `setfattr --restore` (paths are real byte strings). Removing
 * xattrs the snapshot did not have uses `setfattr -x`, one call per path (rare: metadata drift).
 */
export async function applyXattrs(
  runner: ProcessRunner,
  sets: { path: string; xattrs: Record<string, string> }[],
  removals: { path: string; names: string[] }[],
): Promise<string[]> {
  const errors: string[] = [];
  for (const r of removals) {
    for (const name of r.names) {
      const res = await runner([
        'setfattr',
        '-h',
        '-x',
        name,
        Buffer.from(r.path, 'latin1').toString('utf8'),
      ]);
      if (res.exitCode !== 0) errors.push(res.stderr.trim());
    }
  }
  const items = sets.filter((s) => Object.keys(s.xattrs).length > 0);
  if (items.length === 0) return errors;
  let dump = '';
  for (const s of items) {
    dump += `# file: ${quote(s.path)}\n`;
    for (const [k, v] of Object.entries(s.xattrs)) dump += `${k}=0s${v}\n`;
    dump += '\n';
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-xattr-'));
  const file = path.join(tmp, 'dump');
  try {
    fs.writeFileSync(file, Buffer.from(dump, 'latin1'), { mode: 0o600 });
    const res = await runner(['setfattr', '-h', `--restore=${file}`], { timeoutMs: 300_000 });
    if (res.exitCode !== 0) errors.push(res.stderr.trim() || `setfattr exited ${res.exitCode}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return errors;
}
