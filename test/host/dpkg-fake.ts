// Test helpers for the package kind: a real dpkg status file under a temp root (read by the REAL
// dpkg-query), and a fake apt-get that edits that file the way a real install/remove would, so the
// whole observe → apply → observe cycle runs without touching this machine's packages.
import fs from 'node:fs/promises';
import path from 'node:path';
import { type ProcessRunner, spawnRunner } from '../../src/host/process-runner.js';
import { runResult } from '../fixtures/run-result.js';

export interface FakePackage {
  name: string;
  version: string;
  /** dpkg's Status field; default "install ok installed". */
  status?: string;
}

export function statusPath(rootDir: string): string {
  return path.join(rootDir, 'var/lib/dpkg/status');
}

export async function writeDpkgStatus(rootDir: string, packages: FakePackage[]): Promise<void> {
  await fs.mkdir(path.join(rootDir, 'var/lib/dpkg/updates'), { recursive: true });
  const text = packages
    .map(
      (p) =>
        `Package: ${p.name}\nStatus: ${p.status ?? 'install ok installed'}\nPriority: optional\n` +
        `Maintainer: Test <test@example.invalid>\nArchitecture: all\nVersion: ${p.version}\nDescription: ${p.name}\n`,
    )
    .join('\n');
  await fs.writeFile(statusPath(rootDir), text);
}

export async function readDpkgStatus(rootDir: string): Promise<FakePackage[]> {
  const text = await fs.readFile(statusPath(rootDir), 'utf8');
  return text
    .split(/\n\n+/)
    .filter((s) => s.trim() !== '')
    .map((stanza) => {
      const field = (k: string) => new RegExp(`^${k}: (.*)$`, 'm').exec(stanza)?.[1] ?? '';
      return { name: field('Package'), version: field('Version'), status: field('Status') };
    });
}

/** Make the root look like one with its own apt (so apt.ts chroots into it). */
export async function fakeAptInRoot(rootDir: string): Promise<void> {
  await fs.mkdir(path.join(rootDir, 'usr/bin'), { recursive: true });
  await fs.writeFile(path.join(rootDir, 'usr/bin/apt-get'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
}

export interface FakeApt {
  runner: ProcessRunner;
  /** Every command the code under test ran, in order. */
  calls: string[][];
}

/**
 * dpkg-query runs for real; `chroot ROOT apt-get install|remove` (or plain `apt-get` for "/") edits
 * the status file under rootDir. `archive` lists the versions apt could install (first = candidate).
 */
export function fakeApt(rootDir: string, archive: Record<string, string[]>): FakeApt {
  const calls: string[][] = [];
  const runner: ProcessRunner = async (command, options) => {
    calls.push(command);
    const argv = command[0] === 'chroot' ? command.slice(2) : command;
    if (argv[0] === 'dpkg-query') return spawnRunner(command, options);
    if (argv[0] !== 'apt-get') return runResult(command, '', 127, `fake: unexpected ${command.join(' ')}`);
    const verb = argv[1];
    if (verb === 'update') return runResult(command, 'Reading package lists... Done\n', 0);
    const target = argv[argv.length - 1] ?? '';
    const [name = '', pinned] = target.split('=');
    const packages = await readDpkgStatus(rootDir);
    const current = packages.find((p) => p.name === name);
    if (verb === 'install') {
      const versions = archive[name];
      const version = pinned ?? versions?.[0];
      if (!versions || !version || !versions.includes(version)) {
        return runResult(command, '', 100, `E: Unable to locate package ${target}\n`);
      }
      if (current?.version === version && current.status === 'install ok installed') {
        return runResult(command, `${name} is already the newest version (${version}).\n`, 0);
      }
      const rest = packages.filter((p) => p.name !== name);
      await writeDpkgStatus(rootDir, [...rest, { name, version }]);
      return runResult(command, `Setting up ${name} (${version}) ...\n`, 0);
    }
    if (verb === 'remove') {
      if (!current) return runResult(command, `Package '${name}' is not installed, so not removed\n`, 0);
      await writeDpkgStatus(
        rootDir,
        packages.filter((p) => p.name !== name),
      );
      return runResult(command, `Removing ${name} (${current.version}) ...\n`, 0);
    }
    return runResult(command, '', 100, `fake: unknown apt-get verb ${verb}`);
  };
  return { runner, calls };
}
