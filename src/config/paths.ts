// The directories and files AIOS uses, derived once from a loaded config so no other module guesses
// defaults. "System mode" (root with /etc/aios present) keeps state under /etc/aios and data_dir; any
// other run keeps it under ~/.config/aios. These are the controller's own files: they are NOT moved
// under `--root`, which only says which tree the controller manages. Reads, never creates, anything.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { homeDir, type LoadedConfig, userConfigDir } from './load-config.js';

export interface EffectivePaths {
  /** The config file with the highest precedence that was read, if any. */
  configFile?: string;
  /** The managed tree (`/`, or `--root DIR`). */
  root: string;
  dataDir: string;
  memoryPath: string;
  specsDir: string;
  /** Where policy rules are read from, in order: the system/configured dir, then `policies/` beside the config. */
  policiesDirs: string[];
  snapshotsDir: string;
  pluginsDir?: string;
  socketPath: string;
}

export interface HostFacts {
  uid: number;
  /** True when /etc/aios exists (an installed system, `aios init --system`). */
  systemDirExists: boolean;
}

export const SYSTEM_DIR = '/etc/aios';

export function hostFacts(): HostFacts {
  return { uid: process.getuid?.() ?? -1, systemDirExists: existsSync(SYSTEM_DIR) };
}

/** Root with an installed /etc/aios: state lives in system places, else in the user's config dir. */
export function isSystemMode(facts: HostFacts): boolean {
  return facts.uid === 0 && facts.systemDirExists;
}

/** `$XDG_DATA_HOME/aios`, else `~/.local/share/aios`. */
export function userDataDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(homeDir(env), '.local', 'share');
  return path.join(base, 'aios');
}

export function effectivePaths(
  loaded: LoadedConfig,
  env: NodeJS.ProcessEnv = process.env,
  facts: HostFacts = hostFacts(),
): EffectivePaths {
  const { config } = loaded;
  const system = isSystemMode(facts);
  const userDir = userConfigDir(env);
  // The default /var/lib/aios is for an installed system; a user (or root in a container without
  // /etc/aios) keeps state where it can write: $XDG_DATA_HOME/aios, else ~/.local/share/aios.
  const dataDir =
    !system && loaded.origins['aios.data_dir']?.source === 'default'
      ? userDataDir(env)
      : config.aios.data_dir;
  const configFile = loaded.files[loaded.files.length - 1];

  const policiesDirs = [config.security.policies_dir ?? path.join(SYSTEM_DIR, 'policies')];
  if (configFile) {
    const beside = path.join(path.dirname(configFile), 'policies');
    if (!policiesDirs.includes(beside)) policiesDirs.push(beside);
  }

  const paths: EffectivePaths = {
    root: path.resolve(config.controller.root),
    dataDir,
    memoryPath:
      config.memory.path ?? (system ? path.join(dataDir, 'memory.db') : path.join(userDir, 'memory.db')),
    specsDir:
      config.controller.specs_dir ?? (system ? path.join(SYSTEM_DIR, 'specs') : path.join(userDir, 'specs')),
    policiesDirs,
    snapshotsDir: config.recovery.store_dir ?? path.join(dataDir, 'snapshots'),
    socketPath: config.aios.socket_path,
  };
  if (configFile) paths.configFile = configFile;
  if (config.tools.plugins_dir) paths.pluginsDir = config.tools.plugins_dir;
  return paths;
}
