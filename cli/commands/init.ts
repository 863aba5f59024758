// `aios init [--system | --user] [--root DIR]`: sets up an installation — config (the commented
// example), specs, policies, data and socket dirs with their modes and owners, and for a system
// install the `aios` group, the systemd unit (enabled) and a tmpfiles.d entry for the socket dir.
// `--root DIR` installs into DIR as if it were / (an image, a container, a test). Never overwrites a
// config; a second run changes nothing. Exit 0, or 1 when a step failed (the others still ran).
import { readFileSync } from 'node:fs';
import { UserInputError } from '../../src/errors.js';
import { spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { systemdManages } from '../../src/host/systemd.js';
import type { CommandRun } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { type InitMode, initPlan, installLayout } from '../init-plan.js';
import { CHANGE_STATUSES, runInitPlan, type StepResult, type StepStatus } from '../init-run.js';
import { type Colour, type Io, paint, printJson } from '../io.js';
import { packageFile, runtimeScript } from '../package-files.js';

const COLOURS: Record<StepStatus, Colour> = {
  created: 'green',
  updated: 'yellow',
  enabled: 'green',
  reloaded: 'green',
  exists: 'dim',
  kept: 'dim',
  unchanged: 'dim',
  failed: 'red',
};

function chooseMode(args: Record<string, unknown>, uid: number): InitMode {
  if (args.system && args.user) throw new UserInputError('give --system or --user, not both');
  if (args.system) return 'system';
  if (args.user) return 'user';
  return uid === 0 ? 'system' : 'user';
}

const run: CommandRun = async (args, io) => {
  const uid = process.getuid?.() ?? -1;
  if (args.config !== undefined) {
    throw new UserInputError(
      'aios init writes the config to its standard place (/etc/aios or ~/.config/aios) and takes no --config; ' +
        'to keep a config elsewhere, copy docs/config.example.toml there and use --config with the other commands',
    );
  }
  const mode = chooseMode(args, uid);
  const root = new RootPath(args.root ?? '/');
  if (mode === 'system' && root.isHostRoot && uid !== 0) {
    throw new UserInputError(
      'aios init --system writes /etc/aios, /var/lib/aios and a systemd unit: run it as root, or use --user',
    );
  }
  const env = process.env;
  const runner = spawnRunner;
  const layout = installLayout(mode, env);
  let unitText: string | undefined;
  if (mode === 'system') {
    // One source of truth for the unit: the daemon prints its own (ExecStart, node flags, hardening).
    const printed = await runner(
      [process.execPath, runtimeScript(), '--print-unit', '--config', layout.configFile],
      { timeoutMs: 30_000 },
    );
    if (printed.exitCode !== 0 || !printed.stdout.includes('[Service]')) {
      throw new UserInputError(
        `aios-runtime --print-unit failed: ${printed.stderr.trim() || `exit ${printed.exitCode}`}`,
      );
    }
    unitText = printed.stdout;
  }
  const steps = initPlan({
    mode,
    env,
    exampleConfig: readFileSync(packageFile('docs/config.example.toml'), 'utf8'),
    ...(unitText !== undefined ? { unitText } : {}),
    liveSystemd: systemdManages(root),
  });
  const results = await runInitPlan(steps, { root, runner, uid });
  const failed = results.filter((r) => r.status === 'failed').length;
  const changed = results.filter((r) => CHANGE_STATUSES.has(r.status)).length;

  // A kept config is the user's: say at once if it does not load (init still succeeded).
  let configProblem: string | undefined;
  if (results.some((r) => r.status === 'kept')) {
    try {
      const { loadConfig } = await import('../../src/config/load-config.js');
      await loadConfig({ configPath: root.real(layout.configFile), env });
    } catch (error) {
      configProblem = (error as Error).message;
    }
  }

  if (args.json) {
    printJson(io, {
      mode,
      root: root.root,
      changed: changed > 0,
      failed,
      layout,
      steps: results,
      ...(configProblem ? { configProblem } : {}),
    });
    return failed > 0 ? EXIT.error : EXIT.ok;
  }
  render(io, mode, root, results);
  if (env.AIOS_CONFIG) {
    io.err(
      `aios: warning: AIOS_CONFIG=${env.AIOS_CONFIG} is set: aios reads that file, not ${layout.configFile}`,
    );
  }
  if (configProblem) {
    io.err(
      `aios: warning: the existing config does not load (kept as it is; see \`aios doctor\`):\n  ${configProblem.replace(/\n/g, '\n  ')}`,
    );
  }
  if (failed > 0) {
    io.err(`aios: init: ${failed} step${failed === 1 ? '' : 's'} failed (see above); the others were done`);
    return EXIT.error;
  }
  io.out(
    changed === 0
      ? 'Nothing to do: the installation is already in place.'
      : `Done: ${changed} change${changed === 1 ? '' : 's'}.`,
  );
  nextSteps(io, mode, layout.specsDir, layout.configFile, root);
  return EXIT.ok;
};

function render(io: Io, mode: InitMode, root: RootPath, results: StepResult[]): void {
  io.out(`aios init --${mode}${root.isHostRoot ? '' : ` --root ${root.root}`}`);
  const width = Math.max(...results.map((r) => r.status.length));
  for (const r of results) {
    io.out(
      `  ${paint(io, COLOURS[r.status], r.status.padEnd(width))}  ${r.target}  ${paint(io, 'dim', `(${r.detail})`)}`,
    );
  }
}

function nextSteps(io: Io, mode: InitMode, specsDir: string, configFile: string, root: RootPath): void {
  if (!root.isHostRoot) return;
  io.out('Next:');
  io.out(`  write a spec in ${specsDir} (see example.toml there), then: aios diff && aios apply`);
  io.out(`  settings: ${configFile}; check the installation: aios doctor`);
  io.out(
    mode === 'system'
      ? '  start the daemon: systemctl start aios-runtime'
      : '  start the daemon: aios-runtime   (or under your own service manager)',
  );
}

export default run;
