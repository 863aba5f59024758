// The built-in tools' names, so planners and the gate agree on spelling. Controllers import this on
// every `aios apply`, so it must stay zod-free: the argument schemas are in tool-arg-schemas.ts
// (decision 172).

/** Tool names, so planners and the gate agree on spelling. */
export const TOOL = {
  bash: 'bash',
  readFile: 'read_file',
  writeFile: 'write_file',
  editFile: 'edit_file',
  listDir: 'list_dir',
  stat: 'stat',
  mkdir: 'mkdir',
  symlink: 'symlink',
  chmod: 'chmod',
  chown: 'chown',
  remove: 'remove',
  packageInstall: 'package_install',
  packageRemove: 'package_remove',
  serviceStart: 'service_start',
  serviceStop: 'service_stop',
  serviceRestart: 'service_restart',
  serviceReload: 'service_reload',
  serviceEnable: 'service_enable',
  serviceDisable: 'service_disable',
  userAdd: 'user_add',
  userModify: 'user_modify',
  userRemove: 'user_remove',
  groupAdd: 'group_add',
  groupModify: 'group_modify',
  groupRemove: 'group_remove',
} as const;
