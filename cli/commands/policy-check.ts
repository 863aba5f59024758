// `aios policy check "CMD" [--mode M] [--json]`: which rule allows, confirms or denies a shell
// command, why, and the simple commands the analyser saw. Exit 0 allow, 3 confirm or deny.
// Never runs the command. The parser and rule files load only here (lazily), so start-up stays fast.
import os from 'node:os';
import { UserInputError } from '../../src/errors.js';
import type { ShellCheck } from '../../src/policy/create-gate.js';
import type { CommandRun } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { type Io, paint, printJson } from '../io.js';

const run: CommandRun = async (args, io) => {
  const command = typeof args.command === 'string' ? args.command : '';
  if (command.trim() === '')
    throw new UserInputError('policy check needs a command, e.g. aios policy check "ls -la"');
  const { loadCliConfig } = await import('../cli-config.js');
  const { loaded, paths } = await loadCliConfig(args);
  const security = loaded.config.security;
  const mode = typeof args.mode === 'string' ? args.mode : security.mode;
  const { createGate } = await import('../../src/policy/create-gate.js');
  const gate = createGate({
    mode,
    dangerousPatterns: security.dangerous_patterns,
    requireConfirm: security.require_confirm,
    policyDirs: paths.policiesDirs,
    root: paths.root,
    home: os.homedir(),
  });
  const check = gate.checkShell(command);
  if (args.json) printJson(io, toJson(command, gate.mode, check));
  else render(io, command, gate.mode, check);
  return check.decision.verdict === 'allow' ? EXIT.ok : EXIT.blocked;
};

export default run;

function toJson(command: string, mode: string, c: ShellCheck) {
  return {
    command,
    mode,
    verdict: c.decision.verdict,
    rule: c.decision.rule,
    reason: c.decision.reason,
    commands: c.analysis.commands.map((s) => ({
      name: s.name,
      args: s.args,
      flags: s.flags,
      raw: s.raw,
      wrappers: s.wrappers,
      redirects: s.redirects,
      targets: s.targets,
      writes: s.writes,
      read_only: s.readOnly,
    })),
    findings: c.analysis.findings,
  };
}

function render(io: Io, command: string, mode: string, c: ShellCheck): void {
  const d = c.decision;
  const colour = d.verdict === 'allow' ? 'green' : d.verdict === 'confirm' ? 'yellow' : 'red';
  io.out(`${paint(io, colour, d.verdict)}  ${paint(io, 'bold', d.rule)}  (mode ${mode})`);
  io.out(`  ${d.reason}`);
  io.out(`  command: ${command}`);
  if (c.analysis.commands.length > 0) {
    io.out('  simple commands:');
    for (const s of c.analysis.commands) {
      const words = [s.name, ...s.argv].join(' ');
      const via = s.wrappers.length > 0 ? paint(io, 'dim', `  via ${s.wrappers.join(' > ')}`) : '';
      const flags = s.flags.length > 0 ? paint(io, 'dim', `  flags ${s.flags.join(',')}`) : '';
      io.out(`    ${words}${flags}${via}`);
    }
  }
  if (c.analysis.findings.length > 0) {
    io.out('  findings:');
    for (const f of c.analysis.findings) io.out(`    ${f.kind}: ${f.detail}`);
  }
}
