// `aios demo [--keep]`: a fresh temp sandbox used as --root with its own data dir and config (no API
// key, no root privileges), the shipped specs/demo copied in, then diff → apply → diff (converged)
// → drift by hand → diff → apply. Exit 0 when every step did what it should. Touches nothing
// outside the sandbox.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserInputError } from '../../src/errors.js';
import type { CommandArgs } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { type Io, paint } from '../io.js';
import { runApply } from './apply.js';
import diff from './diff.js';

export interface DemoArgs extends CommandArgs {
  keep?: boolean;
}

/** specs/demo of the installed package (dist/cli/commands/demo.js → ../../../specs/demo). */
export function shippedDemoSpecs(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../../specs/demo', '../../specs/demo']) {
    const dir = path.resolve(here, up);
    if (fs.existsSync(dir)) return dir;
  }
  throw new UserInputError('the shipped example specs (specs/demo) are missing from this installation');
}

export default async function demo(args: DemoArgs, io: Io): Promise<number> {
  const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-demo-'));
  const root = path.join(sandbox, 'root');
  const specs = path.join(sandbox, 'specs');
  const data = path.join(sandbox, 'data');
  fs.mkdirSync(root);
  fs.mkdirSync(data, { mode: 0o700 });
  fs.cpSync(shippedDemoSpecs(), specs, { recursive: true });
  const config = path.join(sandbox, 'config.toml');
  fs.writeFileSync(
    config,
    [
      '# Written by `aios demo`: everything lives in this sandbox.',
      '[aios]',
      `data_dir = ${JSON.stringify(data)}`,
      '[controller]',
      `specs_dir = ${JSON.stringify(specs)}`,
      `root = ${JSON.stringify(root)}`,
      '[memory]',
      `path = ${JSON.stringify(path.join(data, 'memory.db'))}`,
      '[recovery]',
      'paths = ["/etc"]',
      `store_dir = ${JSON.stringify(path.join(data, 'snapshots'))}`,
      '',
    ].join('\n'),
  );
  const step = (n: number, text: string) => io.out(`\n${paint(io, 'bold', `${n}. ${text}`)}`);
  // The demo's own flags win over anything the user passed for a real host.
  const base = { ...args, config, root, json: false, only: [], timings: false };
  const problems: string[] = [];
  try {
    io.out(`aios demo: sandbox ${sandbox}`);
    io.out(`  root (treated as /): ${root}\n  specs: ${specs}\n  data, memory, snapshots: ${data}`);

    step(1, 'aios diff — what the specs want that the sandbox does not have yet');
    const d1 = await diff(base, io);
    if (d1 !== EXIT.changes) problems.push(`first diff exited ${d1}, expected ${EXIT.changes}`);

    step(2, 'aios apply --yes — snapshot, converge, verify (confirm-rules approved: it is a sandbox)');
    const a1 = await runApply({ ...base, yes: true }, io, { trigger: 'demo', showPlan: false });
    if (a1.exitCode !== 0) problems.push(`apply exited ${a1.exitCode}`);
    if (!a1.snapshot) problems.push('apply took no pre-apply snapshot');

    step(3, 'aios diff — converged now');
    const d2 = await diff(base, io);
    if (d2 !== EXIT.ok) problems.push(`second diff exited ${d2}, expected 0`);

    step(4, 'drift: someone edits /etc/motd by hand');
    fs.appendFileSync(path.join(root, 'etc/motd'), 'edited by hand\n');
    const d3 = await diff(base, io);
    if (d3 !== EXIT.changes) problems.push(`diff after drift exited ${d3}, expected ${EXIT.changes}`);

    step(5, 'aios apply --yes — repaired');
    const a2 = await runApply({ ...base, yes: true }, io, { trigger: 'demo', showPlan: false });
    if (a2.exitCode !== 0 || a2.counts.changed !== 1)
      problems.push(`repair apply changed ${a2.counts.changed}`);
    const d4 = await diff(base, io);
    if (d4 !== EXIT.ok) problems.push(`final diff exited ${d4}, expected 0`);
  } finally {
    if (args.keep) {
      io.out(`\nKept the sandbox: ${sandbox}`);
      io.out(`Try: aios diff --config ${config}    (or edit ${specs} and apply again)`);
    } else {
      fs.rmSync(sandbox, { recursive: true, force: true });
    }
  }
  if (problems.length > 0) {
    io.err(`aios demo: something did not go as expected:\n  ${problems.join('\n  ')}`);
    return EXIT.error;
  }
  io.out(
    `\n${paint(io, 'green', 'Demo done:')} diff found the changes, apply converged them after a snapshot, diff confirmed,`,
  );
  io.out(
    'drift was detected and repaired. Next: write your own specs (specs/README.md) and run `aios diff`.',
  );
  return EXIT.ok;
}
