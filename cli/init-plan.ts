// What `aios init` sets up, as data: the directories, files, group and unit of a system or a user
// installation, with their modes and owners, in the order they must be made. Pure: no I/O, so the
// layout is tested without touching a disk and `aios doctor` checks against the same table. Paths
// are host paths as seen on the target (`/etc/aios`), never prefixed with `--root`.
import path from 'node:path';
import { userConfigDir } from '../src/config/load-config.js';
import { userDataDir } from '../src/config/paths.js';

export type InitMode = 'system' | 'user';

/** Who owns a path: root (system installs) or whoever runs `aios init` (user installs). */
export type Owner = 'root' | 'self';

export const SOCKET_GROUP = 'aios';
export const UNIT_NAME = 'aios-runtime.service';

export type InitStep =
  | { kind: 'group'; name: string }
  | {
      kind: 'dir';
      path: string;
      mode: number;
      owner: Owner;
      group?: string;
      /** Why it exists, for the report. */
      role: string;
      /** Written only when this step creates the directory (a user who deleted it meant it). */
      seed?: { path: string; content: string; mode: number };
    }
  | { kind: 'config'; path: string; content: string; mode: number; owner: Owner }
  /** A file aios generates (unit, tmpfiles entry): rewritten when it differs, so upgrades land. */
  | { kind: 'generated'; path: string; content: string; mode: number; owner: Owner; role: string }
  | { kind: 'enable'; unit: string }
  | { kind: 'daemon-reload' };

export interface InstallLayout {
  mode: InitMode;
  configDir: string;
  configFile: string;
  specsDir: string;
  policiesDir: string;
  dataDir: string;
  socketDir: string;
  socketPath: string;
  unitFile?: string;
  tmpfilesFile?: string;
}

export interface PlanInputs {
  mode: InitMode;
  env: NodeJS.ProcessEnv;
  /** Text of docs/config.example.toml. */
  exampleConfig: string;
  /** The unit `aios-runtime --print-unit` prints (system mode). */
  unitText?: string;
  /** True when the target root is "/" and systemd runs it (daemon-reload makes sense). */
  liveSystemd?: boolean;
}

export function installLayout(mode: InitMode, env: NodeJS.ProcessEnv): InstallLayout {
  if (mode === 'system') {
    return {
      mode,
      configDir: '/etc/aios',
      configFile: '/etc/aios/config.toml',
      specsDir: '/etc/aios/specs',
      policiesDir: '/etc/aios/policies',
      dataDir: '/var/lib/aios',
      // /run is a tmpfs: the tmpfiles.d entry below makes the directory again at every boot.
      socketDir: '/run/aios',
      socketPath: '/run/aios/aios-runtime.sock',
      unitFile: `/etc/systemd/system/${UNIT_NAME}`,
      tmpfilesFile: '/etc/tmpfiles.d/aios.conf',
    };
  }
  const configDir = userConfigDir(env);
  const dataDir = userDataDir(env);
  return {
    mode,
    configDir,
    configFile: path.join(configDir, 'config.toml'),
    // Both are where the loader looks by default for a user: specs_dir and `policies/` beside the config.
    specsDir: path.join(configDir, 'specs'),
    policiesDir: path.join(configDir, 'policies'),
    dataDir,
    // The default /tmp/aios-runtime.sock is one path for every user of the machine; a private one
    // inside the user's 0700 data dir cannot be taken or spoofed by anyone else.
    socketDir: dataDir,
    socketPath: path.join(dataDir, 'aios-runtime.sock'),
  };
}

/** The example config with this installation's socket path, and a header saying who wrote it. */
export function configText(layout: InstallLayout, example: string, env: NodeJS.ProcessEnv): string {
  const line = /^socket_path = "[^"\n]*"/m;
  if (!line.test(example)) {
    throw new Error('docs/config.example.toml has no `socket_path = "..."` line to set');
  }
  const home = env.HOME;
  let socket = layout.socketPath;
  // "~/..." keeps the file valid if the home directory moves.
  if (layout.mode === 'user' && home && socket.startsWith(`${home.replace(/\/+$/, '')}/`)) {
    socket = `~/${path.relative(home, socket)}`;
  }
  const header =
    `# Written by \`aios init --${layout.mode}\`. aios never overwrites this file; edit it freely and\n` +
    '# check it with `aios config validate` (a running daemon picks up valid edits by itself).\n#\n';
  return header + example.replace(line, `socket_path = ${JSON.stringify(socket)}`);
}

export const EXAMPLE_SPEC = `# An example spec. Every *.toml file in this directory is desired state for this host: aios
# converges the host to it. Uncomment (or write your own), then:
#   aios diff            what would change (exit 2 while something is pending)
#   aios apply           snapshot, then converge
# Kinds and fields: specs/README.md in the aios package.

# [[file]]
# path = "/etc/motd"
# content = "This host is managed by aios: edit its specs, not this file.\\n"
# mode = "0644"
# owner = "root"

# [[package]]
# name = "htop"
`;

export const EXAMPLE_POLICY = `# Your own policy rules. Every *.toml file here is read with the shipped presets; a deny is final in
# every mode. Check one command with \`aios policy check "CMD"\`, all examples with \`aios policy test\`.
# Format: policies/README.md in the aios package.

# [[rule]]
# id = "no-docker-prune"
# description = "pruning loses cached images"
# verdict = "deny"
# command = ["docker"]
# args_any = ["prune"]
# match = ["docker system prune -af"]
# not_match = ["docker ps"]
`;

/** /run/aios again at every boot (/run is a tmpfs), owned so the group may reach the socket. */
export function tmpfilesText(layout: InstallLayout): string {
  return `# Written by aios init: the daemon's socket directory, recreated at boot.\nd ${layout.socketDir} 0750 root ${SOCKET_GROUP} -\n`;
}

export function initPlan(inputs: PlanInputs): InitStep[] {
  const layout = installLayout(inputs.mode, inputs.env);
  const config = configText(layout, inputs.exampleConfig, inputs.env);
  const spec = { path: path.join(layout.specsDir, 'example.toml'), content: EXAMPLE_SPEC };
  const policy = { path: path.join(layout.policiesDir, 'local.toml'), content: EXAMPLE_POLICY };
  if (inputs.mode === 'user') {
    // Everything private: the config may hold an API key, the data dir holds copies of files.
    return [
      { kind: 'dir', path: layout.configDir, mode: 0o700, owner: 'self', role: 'config dir' },
      { kind: 'config', path: layout.configFile, content: config, mode: 0o600, owner: 'self' },
      {
        kind: 'dir',
        path: layout.specsDir,
        mode: 0o700,
        owner: 'self',
        role: 'specs dir',
        seed: { ...spec, mode: 0o600 },
      },
      {
        kind: 'dir',
        path: layout.policiesDir,
        mode: 0o700,
        owner: 'self',
        role: 'policies dir',
        seed: { ...policy, mode: 0o600 },
      },
      { kind: 'dir', path: layout.dataDir, mode: 0o700, owner: 'self', role: 'data dir and socket dir' },
    ];
  }
  if (inputs.unitText === undefined) throw new Error('a system install needs the unit text');
  const steps: InitStep[] = [
    { kind: 'group', name: SOCKET_GROUP },
    { kind: 'dir', path: layout.configDir, mode: 0o755, owner: 'root', role: 'config dir' },
    // World-readable like the rest of /etc, so every user's `aios` finds the socket; API keys belong
    // in the environment (`aios doctor` warns when this file holds one).
    { kind: 'config', path: layout.configFile, content: config, mode: 0o644, owner: 'root' },
    {
      kind: 'dir',
      path: layout.specsDir,
      mode: 0o755,
      owner: 'root',
      role: 'specs dir',
      seed: { ...spec, mode: 0o644 },
    },
    {
      kind: 'dir',
      path: layout.policiesDir,
      mode: 0o755,
      owner: 'root',
      role: 'policies dir',
      seed: { ...policy, mode: 0o644 },
    },
    // Snapshots of /etc (shadow included) and the memory: root only.
    { kind: 'dir', path: layout.dataDir, mode: 0o750, owner: 'root', role: 'data dir' },
    {
      kind: 'dir',
      path: layout.socketDir,
      mode: 0o750,
      owner: 'root',
      group: SOCKET_GROUP,
      role: 'socket dir',
    },
    {
      kind: 'generated',
      path: layout.tmpfilesFile as string,
      content: tmpfilesText(layout),
      mode: 0o644,
      owner: 'root',
      role: 'tmpfiles.d entry',
    },
    {
      kind: 'generated',
      path: layout.unitFile as string,
      content: inputs.unitText,
      mode: 0o644,
      owner: 'root',
      role: 'systemd unit',
    },
  ];
  // The manager must read the new unit file before it can enable or start it; offline (another
  // root, or no systemd) enabling is only symlinks, which `systemctl --root` writes by itself.
  if (inputs.liveSystemd) steps.push({ kind: 'daemon-reload' });
  steps.push({ kind: 'enable', unit: UNIT_NAME });
  return steps;
}
