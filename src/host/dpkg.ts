// Installed packages of a ROOT, read from its own dpkg database (`dpkg-query --admindir`), never from
// the machine running aios when `--root` points elsewhere. Read-only: installing and removing is
// src/host/apt.ts. One dpkg-query per database state: the result is cached until dpkg's status file
// (or its journal) changes, so observing a hundred packages costs one process.
import fs from 'node:fs';
import { HostError } from '../errors.js';
import type { ProcessRunner } from './process-runner.js';
import type { RootPath } from './root-path.js';

export interface InstalledPackage {
  name: string;
  version: string;
  architecture: string;
  /** dpkg's three-letter abbreviation: desired, status, error flag ("ii ", "rc ", "iU ", ...). */
  abbrev: string;
  /** Unpacked and configured (status i, or only triggers outstanding: W, t). */
  installed: boolean;
  /** Left half-way by a failed run (status H, U or F): on disk but not usable. */
  broken: boolean;
}

export interface DpkgDatabase {
  /** False when the root has no dpkg database at all (a bare directory, a non-Debian image). */
  available: boolean;
  /** Host path of the database. */
  admindir: string;
  packages: Map<string, InstalledPackage>;
}

export const ADMINDIR = '/var/lib/dpkg';
// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format, not a template
const FORMAT = '${Package}\\t${Version}\\t${db:Status-Abbrev}\\t${Architecture}\\n';

interface CacheEntry {
  stamp: string;
  db: Promise<DpkgDatabase>;
}
// Keyed by runner so a test's fake runner never sees another runner's answers.
const cache = new WeakMap<ProcessRunner, Map<string, CacheEntry>>();

/** The dpkg database of a root; one dpkg-query call per change of the database. */
export async function readDpkgDatabase(root: RootPath, runner: ProcessRunner): Promise<DpkgDatabase> {
  const admindir = root.real(ADMINDIR);
  const stamp = await databaseStamp(admindir);
  if (stamp === undefined) return { available: false, admindir: ADMINDIR, packages: new Map() };
  let perRunner = cache.get(runner);
  if (!perRunner) {
    perRunner = new Map();
    cache.set(runner, perRunner);
  }
  const hit = perRunner.get(admindir);
  if (hit && hit.stamp === stamp) return hit.db;
  const db = query(admindir, runner);
  perRunner.set(admindir, { stamp, db });
  // A failed query must not be cached: the next observe should try again.
  db.catch(() => perRunner.delete(admindir));
  return db;
}

/** One package's state, or undefined when dpkg does not know it (or only remembers its config files). */
export function findPackage(db: DpkgDatabase, name: string): InstalledPackage | undefined {
  return db.packages.get(name);
}

/** Forget the cached answer for a root (after an install, before measuring what changed). */
export function forgetDpkgDatabase(root: RootPath, runner: ProcessRunner): void {
  cache.get(runner)?.delete(root.real(ADMINDIR));
}

async function query(admindir: string, runner: ProcessRunner): Promise<DpkgDatabase> {
  const run = await runner(['dpkg-query', `--admindir=${admindir}`, '-W', '-f', FORMAT], {
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (run.exitCode !== 0) {
    throw new HostError(
      `dpkg-query --admindir=${admindir} failed (exit ${run.exitCode}): ${run.stderr.trim() || run.stdout.trim()}`,
    );
  }
  return { available: true, admindir: ADMINDIR, packages: parseDpkgQuery(run.stdout) };
}

/**
 * Parse the tab-separated `dpkg-query -W -f` output. A multi-arch package appears once per
 * architecture: it is indexed as `name:arch` for each, and as `name` by its most installed entry.
 */
export function parseDpkgQuery(text: string): Map<string, InstalledPackage> {
  const packages = new Map<string, InstalledPackage>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [name, version = '', abbrev = '', architecture = ''] = line.split('\t');
    if (!name) continue;
    const status = abbrev.charAt(1);
    const pkg: InstalledPackage = {
      name,
      version,
      architecture,
      abbrev,
      installed: status === 'i' || status === 'W' || status === 't',
      broken: status === 'H' || status === 'U' || status === 'F',
    };
    if (architecture) packages.set(`${name}:${architecture}`, pkg);
    const seen = packages.get(name);
    if (!seen || rank(pkg) > rank(seen)) packages.set(name, pkg);
  }
  return packages;
}

function rank(p: InstalledPackage): number {
  return p.installed ? 2 : p.broken ? 1 : 0;
}

/** Human words for an abbreviation, for Changes ("config-files", "half-configured", ...). */
export function describeStatus(pkg: InstalledPackage | undefined): string {
  if (!pkg) return 'absent';
  if (pkg.installed) return 'present';
  const words: Record<string, string> = {
    n: 'absent',
    c: 'absent (config files remain)',
    H: 'half-installed',
    U: 'unpacked',
    F: 'half-configured',
  };
  return words[pkg.abbrev.charAt(1)] ?? `dpkg status "${pkg.abbrev.trim()}"`;
}

/**
 * What identifies one state of the database: dpkg rewrites `status` on every change and journals
 * into `updates/` in between. Undefined when there is no database.
 */
async function databaseStamp(admindir: string): Promise<string | undefined> {
  let status: fs.Stats;
  try {
    status = await fs.promises.stat(`${admindir}/status`);
  } catch {
    return undefined;
  }
  let updates = '';
  try {
    const u = await fs.promises.stat(`${admindir}/updates`);
    updates = `${u.mtimeMs}`;
  } catch {
    // No journal directory: a fresh or hand-made database.
  }
  return `${status.ino}:${status.size}:${status.mtimeMs}:${updates}`;
}
