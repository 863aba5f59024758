// Install and remove Debian packages in a ROOT with apt-get. Under "/" apt-get runs directly; under
// another root that carries its own apt and dpkg (a debootstrap tree, a mounted image) it runs through
// `chroot ROOT`, so maintainer scripts and the package database are the root's, not ours. A root
// without them gets a refusal saying so; this module never falls back to touching the real host.
// Whether something changed is measured in the root's dpkg database before and after.
import { type DpkgDatabase, findPackage, forgetDpkgDatabase, readDpkgDatabase } from './dpkg.js';
import { lexists } from './fs-info.js';
import { fromRun, type HostOutcome, refused } from './host-outcome.js';
import { withKeyLock } from './keyed-lock.js';
import type { ProcessRunner, RunResult } from './process-runner.js';
import type { RootPath } from './root-path.js';

export type AptSupport = { mode: 'host' } | { mode: 'chroot' } | { mode: 'unsupported'; reason: string };

/** Debian policy §5.6.1 names, with an optional `:arch`; refusing anything else also stops `-o...` injection. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$/;
/** Debian policy §5.6.12 versions (epoch, upstream, revision). */
const PACKAGE_VERSION = /^[A-Za-z0-9.+~:-]+$/;
const APT_TIMEOUT_MS = 15 * 60_000;

/** Can apt-get manage packages in this root, and how. */
export async function aptSupport(root: RootPath): Promise<AptSupport> {
  if (root.isHostRoot) return { mode: 'host' };
  const missing: string[] = [];
  if (!(await lexists(root.real('/usr/bin/apt-get'))) && !(await lexists(root.real('/bin/apt-get')))) {
    missing.push('/usr/bin/apt-get');
  }
  if (!(await lexists(root.real('/var/lib/dpkg/status')))) missing.push('/var/lib/dpkg/status');
  if (missing.length > 0) {
    return {
      mode: 'unsupported',
      reason:
        `cannot install or remove packages under root ${root.root}: it has no ${missing.join(' or ')} ` +
        `(apt runs chrooted into the root, so the root needs its own apt and dpkg, e.g. a debootstrap tree)`,
    };
  }
  return { mode: 'chroot' };
}

export interface InstallOptions {
  /** Exact version to install (`name=version`); a lower one is allowed (downgrade to the pin). */
  version?: string | undefined;
}

/** `apt-get install` one package (optionally pinned). Retries once after `apt-get update` when the index is stale. */
export async function aptInstall(
  root: RootPath,
  runner: ProcessRunner,
  name: string,
  options: InstallOptions = {},
): Promise<HostOutcome> {
  const bad = checkName(name) ?? (options.version !== undefined ? checkVersion(options.version) : undefined);
  if (bad) return refused(bad);
  const support = await aptSupport(root);
  if (support.mode === 'unsupported') return refused(support.reason);
  const target = options.version !== undefined ? `${name}=${options.version}` : name;
  const args = ['install', '-y', '--no-install-recommends'];
  if (options.version !== undefined) args.push('--allow-downgrades');
  args.push(...CONFFILE_OPTIONS, target);
  return withKeyLock(`apt:${root.root}`, async () => {
    const before = await packageStamp(root, runner, name);
    let run = await aptGet(root, runner, args);
    if (run.exitCode !== 0 && staleIndex(run)) {
      const update = await aptGet(root, runner, ['update']);
      if (update.exitCode !== 0) return fromRun(update, false);
      run = await aptGet(root, runner, args);
    }
    const after = await packageStamp(root, runner, name);
    return fromRun(run, before !== after);
  });
}

/** `apt-get remove` one package; removing what is not installed is a successful no-op. */
export async function aptRemove(root: RootPath, runner: ProcessRunner, name: string): Promise<HostOutcome> {
  const bad = checkName(name);
  if (bad) return refused(bad);
  const support = await aptSupport(root);
  if (support.mode === 'unsupported') return refused(support.reason);
  return withKeyLock(`apt:${root.root}`, async () => {
    const before = await packageStamp(root, runner, name);
    const run = await aptGet(root, runner, ['remove', '-y', ...CONFFILE_OPTIONS, name]);
    const after = await packageStamp(root, runner, name);
    return fromRun(run, before !== after);
  });
}

// Keep locally edited config files and never stop to ask about them: nobody answers a prompt here.
// Wait (up to 2 minutes) for a concurrent apt or unattended-upgrades to release the dpkg lock.
const CONFFILE_OPTIONS = [
  '-o',
  'Dpkg::Options::=--force-confdef',
  '-o',
  'Dpkg::Options::=--force-confold',
  '-o',
  'DPkg::Lock::Timeout=120',
];

function aptGet(root: RootPath, runner: ProcessRunner, args: string[]): Promise<RunResult> {
  const command = root.isHostRoot ? ['apt-get', ...args] : ['chroot', root.root, 'apt-get', ...args];
  return runner(command, {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
    timeoutMs: APT_TIMEOUT_MS,
  });
}

/** "Unable to locate package" or a 404 from a mirror: the package index is older than the archive. */
function staleIndex(run: RunResult): boolean {
  return /Unable to locate package|has no installation candidate|Failed to fetch|404\s+Not Found|Version '.*' for '.*' was not found/.test(
    run.stderr + run.stdout,
  );
}

async function packageStamp(root: RootPath, runner: ProcessRunner, name: string): Promise<string> {
  forgetDpkgDatabase(root, runner);
  let db: DpkgDatabase;
  try {
    db = await readDpkgDatabase(root, runner);
  } catch {
    return 'unknown';
  }
  const p = findPackage(db, name);
  return p ? `${p.version}\t${p.abbrev}` : 'absent';
}

function checkName(name: string): string | undefined {
  return PACKAGE_NAME.test(name) ? undefined : `not a Debian package name: "${name}"`;
}

function checkVersion(version: string): string | undefined {
  return PACKAGE_VERSION.test(version) ? undefined : `not a Debian package version: "${version}"`;
}
