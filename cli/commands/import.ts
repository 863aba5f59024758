// `aios import PATH... | --package N... | --service N... | --user N... | --group N... [--out FILE]
// [--force]`: spec TOML for the current state under --root (like `puppet resource`). Without --out
// the spec goes to stdout with small text contents inline; with --out it is written atomically
// and file contents become `source` copies in files/<path> beside it. Never overwrites an existing
// file without --force; never prints or inlines a sensitive file's contents.
import fs from 'node:fs';
import path from 'node:path';
import { UserInputError, ValidationError } from '../../src/errors.js';
import { atomicWrite } from '../../src/host/atomic-write.js';
import { spawnRunner } from '../../src/host/process-runner.js';
import { RootPath } from '../../src/host/root-path.js';
import { copyPath, importState } from '../../src/specs/import-resources.js';
import { renderSpec } from '../../src/specs/import-toml.js';
import { loadCliConfig } from '../cli-config.js';
import type { CommandArgs } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { type Io, printJson } from '../io.js';

export interface ImportArgs extends CommandArgs {
  paths?: string[];
  package?: string[];
  service?: string[];
  user?: string[];
  group?: string[];
  out?: string;
  force?: boolean;
  recursive?: boolean;
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

export default async function importCommand(args: ImportArgs, io: Io): Promise<number> {
  const { loaded, paths } = await loadCliConfig(args);
  for (const w of loaded.warnings) io.err(`aios: warning: ${w}`);
  const out = args.out !== undefined ? path.resolve(args.out) : undefined;
  if (out !== undefined && fs.existsSync(out) && !args.force) {
    throw new UserInputError(`${out} already exists (use --force to overwrite it)`);
  }
  const specDir = out !== undefined ? path.dirname(out) : process.cwd();
  const root = new RootPath(paths.root);
  const result = await importState(
    {
      paths: list(args.paths),
      packages: list(args.package),
      services: list(args.service),
      users: list(args.user),
      groups: list(args.group),
      recursive: args.recursive !== false,
      contents: out !== undefined ? 'source' : 'inline',
    },
    { root, runner: spawnRunner, specDir },
  );
  const text = renderSpec(result.tables, [
    `Imported by \`aios import\` from root ${root.root}: the state found there, as a spec.`,
  ]);
  if (out !== undefined) {
    // Refuse before writing anything: a half-written import is worse than none.
    const clashes = result.copies
      .map((c) => copyPath(specDir, c))
      .filter((file) => fs.existsSync(file) && !args.force);
    if (clashes.length > 0) {
      throw new ValidationError(
        clashes.map((f) => new UserInputError(`${f} already exists (use --force to overwrite it)`)),
      );
    }
    // Copies first, spec last: the spec never names a source that is not there yet.
    for (const c of result.copies) {
      const file = copyPath(specDir, c);
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await atomicWrite(file, c.data, { mode: c.sensitive ? 0o600 : 0o644 });
    }
    await fs.promises.mkdir(specDir, { recursive: true });
    await atomicWrite(out, text, { mode: 0o644 });
  }
  for (const w of result.warnings) io.err(`aios: warning: ${w}`);
  if (args.json) {
    printJson(io, {
      root: root.root,
      out: out ?? null,
      resources: result.ids,
      copies: result.copies.map((c) => ({ path: c.hostPath, source: c.relPath, sensitive: c.sensitive })),
      warnings: result.warnings,
      ...(out === undefined ? { spec: text } : {}),
    });
  } else if (out === undefined) {
    io.out(text.replace(/\n$/, ''));
  } else {
    const n = result.ids.length;
    const copies =
      result.copies.length > 0
        ? ` and ${result.copies.length} source files under ${path.join(specDir, 'files')}`
        : '';
    io.out(`Wrote ${n} resource${n === 1 ? '' : 's'} to ${out}${copies}.`);
  }
  return EXIT.ok;
}
