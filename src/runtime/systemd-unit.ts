// The systemd unit for aios-runtime, printed by `aios-runtime --print-unit` and checked with
// `systemd-analyze verify` in the tests. Hardening keeps what a host manager needs (writing /etc,
// running apt and systemctl) and drops what it does not (other users' homes stay readable, but
// kernel tunables beyond sysctl.d, modules and clock stay off-limits).

export interface UnitOptions {
  execStart: string;
  configPath?: string;
}

export function systemdUnit(options: UnitOptions): string {
  const config = options.configPath ? ` --config ${options.configPath}` : '';
  return `[Unit]
Description=AIOS reconciliation daemon (keeps this host converged to its specs)
After=network-online.target local-fs.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${options.execStart}${config}
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=5s
TimeoutStopSec=90s
KillMode=mixed
UMask=0027
StateDirectory=aios
StateDirectoryMode=0750
# It manages the host, so it runs as root and may write where specs point; these options remove
# what a configuration manager never needs.
NoNewPrivileges=no
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectClock=yes
ProtectHostname=no
RestrictRealtime=yes
RestrictSUIDSGID=no
LockPersonality=yes
MemoryDenyWriteExecute=no
RestrictNamespaces=no
SystemCallArchitectures=native

[Install]
WantedBy=multi-user.target
`;
}
