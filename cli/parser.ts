// The yargs command table. Every command module is imported only when it runs, so
// `aios --help` stays fast (no SQLite, SDKs or parsers load for it).
import yargs, { type Argv } from 'yargs';
import { EXIT } from './exit-codes.js';
import { cmd } from './run-command.js';

const only = (y: Argv) =>
  y.option('only', { type: 'string', array: true, describe: 'limit to these resource ids (kind:name)' });

export function buildParser(args: string[], version: string): Argv {
  return yargs(args)
    .scriptName('aios')
    .usage(
      '$0 <command> [options]\n\nDeclarative reconciliation for one Linux host, with an AI agent inside.',
    )
    .option('config', {
      type: 'string',
      describe: 'config file (default: $AIOS_CONFIG, /etc/aios, ~/.config/aios)',
    })
    .option('json', { type: 'boolean', default: false, describe: 'machine-readable output' })
    .option('root', { type: 'string', describe: 'treat DIR as / (sandboxes, images, containers)' })
    .option('color', {
      type: 'boolean',
      default: true,
      describe: 'colour on a TTY (--no-color, or NO_COLOR)',
    })
    .option('verbose', { type: 'boolean', default: false, describe: 'more detail, stack traces on errors' })
    .command(
      'diff',
      'show desired vs actual state per resource (exit 2 when changes are pending)',
      (y) =>
        only(y)
          .option('timings', { type: 'boolean', default: false, describe: 'time per phase' })
          .option('full', {
            type: 'boolean',
            default: false,
            describe: 'read every managed file instead of trusting unchanged ones (decision 183)',
          }),
      cmd(() => import('./commands/diff.js')),
    )
    .command(
      'apply',
      'snapshot, then converge the host to the specs',
      (y) =>
        only(y)
          .option('yes', {
            type: 'boolean',
            default: false,
            describe: 'approve actions that need confirmation',
          })
          .option('dry-run', { type: 'boolean', default: false, describe: 'plan only, change nothing' })
          .option('plan', {
            type: 'string',
            describe: 'apply a saved plan; refused if the host drifted since',
          })
          .option('timings', { type: 'boolean', default: false, describe: 'time per phase' })
          .option('full', {
            type: 'boolean',
            default: false,
            describe: 'read every managed file instead of trusting unchanged ones (decision 183)',
          }),
      cmd(() => import('./commands/apply.js')),
    )
    .command(
      'chat <text>',
      'one-shot agent session (streamed, tool calls gated)',
      (y) =>
        y
          .positional('text', { type: 'string', demandOption: true })
          .option('continue', { type: 'boolean', default: false, describe: 'continue the last session' })
          .option('session', { type: 'string', describe: 'continue this session id' })
          .option('provider', { type: 'string', describe: 'openai | anthropic | ollama' })
          .option('model', { type: 'string' })
          .option('yes', { type: 'boolean', default: false }),
      cmd(() => import('./commands/chat.js')),
    )
    .command(
      'shell',
      'interactive agent session',
      (y) =>
        y
          .option('provider', { type: 'string', describe: 'openai | anthropic | ollama' })
          .option('model', { type: 'string' })
          .option('yes', {
            type: 'boolean',
            default: false,
            describe: 'approve actions that need confirmation',
          }),
      cmd(() => import('./commands/shell.js')),
    )
    .command(
      'status',
      'daemon state, last reconcile, drift, pending approvals',
      {},
      cmd(() => import('./commands/status.js')),
    )
    .command(
      'info',
      'host and config facts',
      {},
      cmd(() => import('./commands/info.js')),
    )
    .command(
      'snapshot',
      'take a manual snapshot (pinned), or: snapshot diff|verify|delete',
      (y) =>
        y
          .option('description', { type: 'string', alias: 'd', describe: 'what this snapshot is for' })
          .command(
            'diff <a> [b]',
            'what changed between two snapshots, or a snapshot and the live system',
            (s) => s.positional('a', { type: 'string' }).positional('b', { type: 'string' }),
            cmd(() => import('./commands/snapshot-diff.js')),
          )
          .command(
            'verify [id]',
            'rehash objects and check manifests',
            (s) => s.positional('id', { type: 'string' }),
            cmd(() => import('./commands/snapshot-verify.js')),
          )
          .command(
            'delete <id>',
            'delete a snapshot (objects are collected when unreferenced)',
            (s) => s.positional('id', { type: 'string' }),
            cmd(() => import('./commands/snapshot-delete.js')),
          ),
      cmd(() => import('./commands/snapshot.js')),
    )
    .command(
      'snapshots',
      'list snapshots',
      {},
      cmd(() => import('./commands/snapshots.js')),
    )
    .command(
      'restore [id]',
      'restore a snapshot (after a pre-restore safety snapshot)',
      (y) =>
        y
          .positional('id', { type: 'string' })
          .option('dry-run', { type: 'boolean', default: false })
          .option('path', { type: 'string', array: true, describe: 'restore only these paths' })
          .option('keep-new', {
            type: 'boolean',
            default: false,
            describe: 'keep files the snapshot did not have',
          })
          .option('resume', { type: 'boolean', default: false, describe: 'finish an interrupted restore' }),
      cmd(() => import('./commands/restore.js')),
    )
    .command(
      'approvals',
      'actions the daemon holds for confirmation',
      {},
      cmd(() => import('./commands/approvals.js')),
    )
    .command(
      'approve <id>',
      'approve a held action',
      (y) => y.positional('id', { type: 'string' }),
      cmd(() => import('./commands/approve.js')),
    )
    .command(
      'deny <id>',
      'deny a held action',
      (y) => y.positional('id', { type: 'string' }),
      cmd(() => import('./commands/deny.js')),
    )
    .command(
      'history',
      'commands, chats and actions from memory',
      (y) =>
        y.option('limit', { type: 'number', default: 50 }).option('kind', {
          type: 'string',
          describe: 'command | chat | tool | decision | reconcile | event',
        }),
      cmd(() => import('./commands/history.js')),
    )
    .command(
      'search <text>',
      'full-text (and semantic, with embeddings) search of memory',
      (y) =>
        y
          .positional('text', { type: 'string' })
          .option('limit', { type: 'number', default: 20 })
          .option('kind', {
            type: 'string',
            describe: 'command | chat | tool | decision | reconcile | event | audit',
          }),
      cmd(() => import('./commands/search.js')),
    )
    .command('policy', 'inspect the policy gate', (y) =>
      y
        .command(
          'check <command>',
          'which rule allows, confirms or denies a shell command, and why (exit 0 allow, 3 otherwise)',
          (s) =>
            s
              .positional('command', { type: 'string' })
              .option('mode', { type: 'string', describe: 'safe | normal | paranoid | trusted' }),
          cmd(() => import('./commands/policy-check.js')),
        )
        .command(
          'test',
          "run every rule's match / not_match examples",
          {},
          cmd(() => import('./commands/policy-test.js')),
        )
        .demandCommand(1, 'policy needs a subcommand: check or test'),
    )
    .command('config', 'check or show the configuration', (y) =>
      y
        .command(
          'validate [path]',
          'check a config file; all errors at once',
          (s) => s.positional('path', { type: 'string' }),
          cmd(() => import('./commands/config-validate.js')),
        )
        .command(
          'show',
          'the effective config with the origin of each value',
          {},
          cmd(() => import('./commands/config-show.js')),
        )
        .demandCommand(1, 'config needs a subcommand: validate or show'),
    )
    .command('audit', 'the audit log', (y) =>
      y
        .command(
          'verify',
          'check the hash chain of the audit log',
          {},
          cmd(() => import('./commands/audit-verify.js')),
        )
        .demandCommand(1, 'audit needs a subcommand: verify'),
    )
    .command(
      'import [paths..]',
      'write spec TOML for the current state of files, packages, services, users',
      (y) =>
        y
          .positional('paths', {
            type: 'string',
            array: true,
            describe: 'host paths (files, directories, symlinks) under --root',
          })
          .option('package', { type: 'string', array: true, describe: 'installed package, with its version' })
          .option('service', { type: 'string', array: true, describe: "unit's enabled (and running) state" })
          .option('user', { type: 'string', array: true, describe: 'account: uid, groups, home, shell' })
          .option('group', { type: 'string', array: true, describe: 'group and its gid' })
          .option('out', {
            type: 'string',
            describe: 'spec file to write, contents as files/<path> beside it (default: stdout)',
          })
          .option('force', { type: 'boolean', default: false, describe: 'overwrite an existing --out' })
          .option('recursive', {
            type: 'boolean',
            default: true,
            describe: 'import what directories hold (--no-recursive: the directory only)',
          }),
      cmd(() => import('./commands/import.js')),
    )
    .command(
      'init',
      'create config, specs, policies and data dirs (never overwrites a config)',
      (y) =>
        y
          .option('system', {
            type: 'boolean',
            describe: '/etc/aios, /var/lib/aios, group aios, systemd unit (default as root)',
          })
          .option('user', {
            type: 'boolean',
            describe: '~/.config/aios and ~/.local/share/aios, private (default otherwise)',
          })
          .conflicts('system', 'user')
          .epilog('With --root DIR, installs into DIR as if it were / (images, containers, tests).'),
      cmd(() => import('./commands/init.js')),
    )
    .command(
      'doctor',
      'check the installation and say what to fix (exit 1 when a check fails)',
      (y) =>
        y.epilog(
          'With --root DIR (and no --config), checks the system installation inside DIR, as `aios init --system --root DIR` made it.',
        ),
      cmd(() => import('./commands/doctor.js')),
    )
    .command(
      'demo',
      'diff and apply the shipped example specs against a fresh --root sandbox (no root, no API key)',
      (y) => y.option('keep', { type: 'boolean', default: false, describe: 'keep the sandbox directory' }),
      cmd(() => import('./commands/demo.js')),
    )
    .completion('completion', 'print a shell completion script (bash/zsh)')
    .demandCommand(1, 'give a command; see aios --help')
    .strict()
    .recommendCommands()
    .version(version)
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`aios: ${msg}\nRun aios --help for usage.\n`);
      process.exit(EXIT.error);
    });
}
