// `aios import`: the current state of paths, packages, services, users and groups under a root as
// spec tables. Every value comes from the kind's own controller observe(), and each table is checked
// with that controller's diff before it is returned, so an imported spec shows converged in
// `aios diff` by construction (docs/decisions/170-import-writes-current-state.md). Reads the root
// only; writing the spec and its source copies is the caller's job.
import fs from 'node:fs';
import path from 'node:path';
import { normalizePath } from '../../controllers/common-fields.js';
import type { Controller, ObserveContext } from '../../controllers/controller.js';
import { directoryController } from '../../controllers/directory-controller.js';
import { directorySchema } from '../../controllers/directory-schema.js';
import { fileController } from '../../controllers/file-controller.js';
import { fileSchema } from '../../controllers/file-schema.js';
import type { FileObserved, OwnershipObserved } from '../../controllers/file-state.js';
import { groupController } from '../../controllers/group-controller.js';
import { groupSchema } from '../../controllers/group-schema.js';
import { packageController } from '../../controllers/package-controller.js';
import { packageSchema } from '../../controllers/package-schema.js';
import { serviceController } from '../../controllers/service-controller.js';
import { serviceSchema } from '../../controllers/service-schema.js';
import { specSchemaFor } from '../../controllers/spec-schemas.js';
import { symlinkController } from '../../controllers/symlink-controller.js';
import { symlinkSchema } from '../../controllers/symlink-schema.js';
import { userController } from '../../controllers/user-controller.js';
import { userSchema } from '../../controllers/user-schema.js';
import { UserInputError, ValidationError } from '../errors.js';
import { resolveInRoot } from '../host/fs-resolve.js';
import type { ProcessRunner } from '../host/process-runner.js';
import type { RootPath } from '../host/root-path.js';
import { isRunningState } from '../host/systemd.js';
import { classifySensitive } from './import-sensitive.js';
import type { ImportedTable } from './import-toml.js';

export interface ImportRequest {
  paths?: string[];
  packages?: string[];
  services?: string[];
  users?: string[];
  groups?: string[];
  /** Import what a directory holds too (default true). */
  recursive?: boolean;
  /**
   * Where file contents go: `source` copies (written by the caller under `files/<path>` beside the
   * spec) or inline `content`. Sensitive contents are never inlined.
   */
  contents: 'source' | 'inline';
}

/** A file's contents to be written beside the spec as its `source`. */
export interface SourceCopy {
  hostPath: string;
  /** Relative to the spec file's directory: `files/etc/hosts`. */
  relPath: string;
  data: Buffer;
  sensitive: boolean;
}

export interface ImportResult {
  tables: ImportedTable[];
  copies: SourceCopy[];
  warnings: string[];
  /** Resource ids in the order of the tables. */
  ids: string[];
}

export interface ImportContext {
  root: RootPath;
  runner: ProcessRunner;
  /** Directory the spec will live in (relative `source` values resolve against it). */
  specDir: string;
}

/** Without --out, text larger than this is not inlined (a spec is for reading). */
export const INLINE_MAX = 64 * 1024;

/** A directory tree bigger than this is refused: import narrower paths instead. */
export const MAX_PATHS = 5000;

/** `is-enabled` answers that say nothing a spec can set: the unit has no [Install] of its own. */
const NOT_SETTABLE = new Set(['static', 'indirect', 'alias', 'generated', 'linked', 'linked-runtime']);

class Importer {
  readonly tables: ImportedTable[] = [];
  readonly copies: SourceCopy[] = [];
  readonly warnings: string[] = [];
  readonly problems: UserInputError[] = [];
  private readonly seen = new Set<string>();
  private pathCount = 0;

  constructor(
    private readonly req: ImportRequest,
    private readonly ctx: ImportContext,
  ) {}

  private get observeCtx(): ObserveContext {
    return { root: this.ctx.root, runner: this.ctx.runner, specDir: this.ctx.specDir };
  }

  private add(kind: string, name: string, fields: Record<string, unknown>, notes?: string[]): boolean {
    const id = `${kind}:${name}`;
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    this.tables.push(notes && notes.length > 0 ? { kind, fields, notes } : { kind, fields });
    return true;
  }

  private problem(message: string, key: string): void {
    this.problems.push(new UserInputError(message, { file: '(command line)', key }));
  }

  async importPath(raw: string): Promise<void> {
    if (!raw.startsWith('/')) {
      this.problem(`"${raw}" is not an absolute path (paths are host paths, e.g. /etc/hosts)`, 'path');
      return;
    }
    if (raw.split('/').includes('..')) {
      this.problem(`"${raw}" must not contain ".."`, 'path');
      return;
    }
    const p = normalizePath(raw);
    const st = await this.lstat(p);
    if (!st) {
      this.problem(`${p} does not exist under root ${this.ctx.root.root}`, 'path');
      return;
    }
    await this.importNode(p, st, this.req.recursive ?? true);
  }

  private async lstat(p: string): Promise<fs.Stats | undefined> {
    const real = await resolveInRoot(this.ctx.root, p, false);
    return fs.lstatSync(real, { throwIfNoEntry: false });
  }

  private async importNode(p: string, st: fs.Stats, recursive: boolean): Promise<void> {
    this.pathCount += 1;
    if (this.pathCount > MAX_PATHS) {
      if (this.pathCount === MAX_PATHS + 1)
        this.problem(`more than ${MAX_PATHS} paths: import narrower directories`, 'path');
      return;
    }
    if (st.isSymbolicLink()) return this.importSymlink(p);
    if (st.isFile()) return this.importFile(p);
    if (st.isDirectory()) {
      await this.importDirectory(p);
      if (!recursive) return;
      const real = await resolveInRoot(this.ctx.root, p, true);
      const names = fs.readdirSync(real).sort();
      for (const name of names) {
        const child = p === '/' ? `/${name}` : `${p}/${name}`;
        const cst = await this.lstat(child);
        if (cst) await this.importNode(child, cst, true);
      }
      return;
    }
    this.warnings.push(`${p}: skipped (a device, socket or fifo is not a resource aios manages)`);
  }

  private async importSymlink(p: string): Promise<void> {
    const obs = await symlinkController.observe(
      symlinkSchema.parse({ path: p, target: '.' }),
      this.observeCtx,
    );
    if (obs.target === undefined) return;
    this.add('symlink', p, { path: p, target: obs.target });
  }

  private async importDirectory(p: string): Promise<void> {
    const spec = directorySchema.parse({ path: p, owner: '0', group: '0' });
    const obs = await directoryController.observe(spec, this.observeCtx);
    this.add('directory', p, { path: p, mode: obs.mode, ...ownership(obs) });
  }

  private async importFile(p: string): Promise<void> {
    const spec = fileSchema.parse({ path: p, owner: '0', group: '0' });
    const obs: FileObserved = await fileController.observe(spec, this.observeCtx);
    const mode = obs.mode ?? '0644';
    const real = await resolveInRoot(this.ctx.root, p, true);
    const data = fs.readFileSync(real);
    const text = data.toString('utf8');
    const isText = Buffer.from(text, 'utf8').equals(data) && !text.includes('\u0000');
    const verdict = classifySensitive(p, mode, isText ? text : undefined);
    const fields: Record<string, unknown> = { path: p, mode, ...ownership(obs) };
    const notes: string[] = [];
    if (!isText) {
      // The file kind carries text only (write_file); a binary file is managed by its metadata.
      this.warnings.push(`${p}: binary contents are not imported (mode and owner only)`);
      notes.push('binary contents: only mode and owner are managed');
    } else if (this.req.contents === 'source') {
      const relPath = `files${p}`;
      fields.source = relPath;
      this.copies.push({ hostPath: p, relPath, data, sensitive: verdict.sensitive });
    } else if (data.length > INLINE_MAX) {
      this.warnings.push(
        `${p}: ${data.length} bytes is too big to inline; use --out FILE to keep it as a source copy`,
      );
      notes.push('contents not imported: too big to inline without --out');
    } else if (verdict.sensitive) {
      this.warnings.push(
        `${p}: sensitive contents are not printed; use --out FILE to keep them as a mode 0600 source copy`,
      );
      notes.push('sensitive contents not imported without --out');
    } else {
      fields.content = text;
    }
    if (verdict.sensitive) {
      fields.sensitive = true;
      this.warnings.push(`${p}: marked sensitive = true: ${verdict.reason}`);
    }
    this.add('file', p, fields, notes);
  }

  async importPackage(name: string): Promise<void> {
    const parsed = packageSchema.safeParse({ name });
    if (!parsed.success) return this.problem(`--package ${name}: ${firstIssue(parsed.error)}`, 'package');
    const obs = await packageController.observe(parsed.data, this.observeCtx);
    if (!obs.database) {
      return this.problem(`--package ${name}: root ${this.ctx.root.root} has no dpkg database`, 'package');
    }
    if (!obs.installed) {
      return this.problem(`--package ${name}: not installed under root (dpkg says ${obs.status})`, 'package');
    }
    this.add('package', name, { name, version: obs.version });
  }

  async importService(name: string): Promise<void> {
    const parsed = serviceSchema.safeParse({ name, enabled: true, state: 'running' });
    if (!parsed.success) return this.problem(`--service ${name}: ${firstIssue(parsed.error)}`, 'service');
    const obs = await serviceController.observe(parsed.data, this.observeCtx);
    if (obs.enabled === 'not-found') {
      return this.problem(
        `--service ${name}: no unit ${obs.unit} under root ${this.ctx.root.root}`,
        'service',
      );
    }
    if (obs.enabled.startsWith('unknown')) {
      return this.problem(`--service ${name}: systemctl could not tell its state: ${obs.enabled}`, 'service');
    }
    const fields: Record<string, unknown> = { name };
    const notes: string[] = [];
    if (obs.enabled === 'enabled' || obs.enabled === 'enabled-runtime') fields.enabled = true;
    else if (obs.enabled === 'disabled' || obs.enabled.startsWith('masked')) fields.enabled = false;
    else if (NOT_SETTABLE.has(obs.enabled))
      notes.push(`is-enabled says "${obs.enabled}": enablement not managed`);
    if (obs.activeKnown) fields.state = isRunningState(obs.active) ? 'running' : 'stopped';
    else notes.push('running state not imported: no service manager runs this root');
    this.add('service', name, fields, notes);
  }

  async importUser(name: string): Promise<void> {
    const parsed = userSchema.safeParse({ name });
    if (!parsed.success) return this.problem(`--user ${name}: ${firstIssue(parsed.error)}`, 'user');
    const obs = await userController.observe(parsed.data, this.observeCtx);
    const u = obs.user;
    if (!u) return this.problem(`--user ${name}: no such user in the root's /etc/passwd`, 'user');
    const primary = /^\d+$/.test(u.group) ? { gid: u.gid } : { group: u.group };
    this.add('user', name, {
      name,
      uid: u.uid,
      ...primary,
      groups: u.groups,
      home: u.home,
      shell: u.shell,
      comment: u.comment,
    });
  }

  async importGroup(name: string): Promise<void> {
    const parsed = groupSchema.safeParse({ name });
    if (!parsed.success) return this.problem(`--group ${name}: ${firstIssue(parsed.error)}`, 'group');
    const obs = await groupController.observe(parsed.data, this.observeCtx);
    if (!obs.group) return this.problem(`--group ${name}: no such group in the root's /etc/group`, 'group');
    this.add('group', name, { name, gid: obs.group.gid });
  }

  /** Observe + diff every table with its own controller: anything not converged is a warning. */
  async check(): Promise<void> {
    const inline = new Map(this.copies.map((c) => [c.relPath, c.data.toString('utf8')]));
    for (const t of this.tables) {
      const controller = controllerOf(t.kind);
      const fields = { ...t.fields };
      if (typeof fields.source === 'string') {
        fields.content = inline.get(fields.source);
        delete fields.source;
      }
      const spec = schemaOf(t.kind).parse(fields);
      const changes = controller
        .diff(spec, await controller.observe(spec, this.observeCtx))
        .filter((c) => c.unobservable === undefined);
      if (changes.length > 0) {
        const what = changes.map((c) => c.field).join(', ');
        this.warnings.push(
          `${t.kind}:${controller.name(spec)}: changed while importing (${what}); run import again`,
        );
      }
    }
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the importer handles each kind's tables by name
function controllerOf(kind: string): Controller<any, any> {
  const all = [
    fileController,
    directoryController,
    symlinkController,
    packageController,
    serviceController,
    userController,
    groupController,
  ];
  const c = all.find((x) => x.kind === kind);
  if (!c) throw new Error(`import: no controller for ${kind}`);
  return c;
}

/** owner/group as names when the root knows them, else the numeric ids. */
function ownership(obs: OwnershipObserved): { owner?: string | number; group?: string | number } {
  const out: { owner?: string | number; group?: string | number } = {};
  if (obs.uid !== undefined) out.owner = nameOrId(obs.ownerName, obs.uid);
  if (obs.gid !== undefined) out.group = nameOrId(obs.groupName, obs.gid);
  return out;
}

function nameOrId(name: string | undefined, id: number): string | number {
  return name === undefined || /^\d+$/.test(name) ? id : name;
}

function schemaOf(kind: string) {
  const schema = specSchemaFor(kind);
  if (!schema) throw new Error(`import: no schema for ${kind}`);
  return schema;
}

function firstIssue(error: { issues: { message: string }[] }): string {
  return error.issues[0]?.message ?? 'invalid';
}

export async function importState(req: ImportRequest, ctx: ImportContext): Promise<ImportResult> {
  const imp = new Importer(req, ctx);
  for (const p of req.paths ?? []) await imp.importPath(p);
  for (const n of req.packages ?? []) await imp.importPackage(n);
  for (const n of req.services ?? []) await imp.importService(n);
  for (const n of req.groups ?? []) await imp.importGroup(n);
  for (const n of req.users ?? []) await imp.importUser(n);
  if (imp.problems.length > 0) throw new ValidationError(imp.problems);
  if (imp.tables.length === 0) {
    throw new UserInputError('nothing to import: give PATH..., --package, --service, --user or --group');
  }
  await imp.check();
  return {
    tables: imp.tables,
    copies: imp.copies,
    warnings: imp.warnings,
    ids: imp.tables.map((t) => `${t.kind}:${String(t.fields.path ?? t.fields.name)}`),
  };
}

/** `files/etc/hosts` under the spec's directory: the copy's real path. */
export function copyPath(specDir: string, copy: SourceCopy): string {
  return path.join(specDir, copy.relPath);
}
