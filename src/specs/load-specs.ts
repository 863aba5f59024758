// Loads every *.toml under specs_dir into validated Resources (ARCHITECTURE.md §3). Collects every
// problem (file, line, kind, field) into one ValidationError instead of stopping at the first.
// It reads spec files and checks that `source` files exist; it never observes or changes the host.
// The TOML parser and the kinds' zod schemas are imported dynamically, once per call and only when
// a file is to be parsed: a run whose specs need no parsing must not pay for them (decision 172).
import fs from 'node:fs';
import path from 'node:path';
import type { parse, TomlError } from 'smol-toml';
import type { z } from 'zod';
import type { Controller } from '../../controllers/controller.js';
import { controllerFor } from '../../controllers/registry.js';
import { lineOfTopLevelKey } from '../config/toml-locator.js';
import { UserInputError, ValidationError } from '../errors.js';
import type { Resource } from '../types.js';
import type { SpecCache } from './spec-cache.js';
import { locateTables, type TableLines } from './toml-lines.js';

// biome-ignore lint/suspicious/noExplicitAny: controllers of every spec type are looked up by kind
export type ControllerLookup = (kind: string) => Controller<any, any> | undefined;

/** Kind → zod schema of one `[[kind]]` table (controllers/spec-schemas.ts by default). */
export type SchemaLookup = (kind: string) => z.ZodType | undefined;

export interface LoadSpecsOptions {
  /** Kind → controller; the registry by default (tests pass fakes). */
  lookup?: ControllerLookup;
  /** Kind → schema; controllers/spec-schemas.ts by default, loaded only when a file is parsed. */
  schemas?: SchemaLookup;
  /**
   * Validated files by content (src/specs/spec-cache.ts): a file whose exact text validated before
   * is taken from here, unparsed. Only for the real registry and schemas (fakes would mix in).
   * The caller saves it (it may add the graph first).
   */
  cache?: SpecCache | undefined;
}

/** What parsing a spec file needs, loaded by loadSpecParsers. */
export interface SpecParsers {
  toml: { parse: typeof parse; TomlError: typeof TomlError };
  schemaFor: SchemaLookup;
}

/**
 * Imports the TOML parser and (unless `schemas` is given) every kind's schema. Costly (zod's
 * bundle and the schemas' construction): call it once, and only when there is a file to parse.
 */
export async function loadSpecParsers(schemas?: SchemaLookup): Promise<SpecParsers> {
  const [toml, schemaFor] = await Promise.all([
    import('smol-toml'),
    schemas ?? import('../../controllers/spec-schemas.js').then((m) => m.specSchemaFor),
  ]);
  return { toml: { parse: toml.parse, TomlError: toml.TomlError }, schemaFor };
}

export interface LoadedSpecs {
  resources: Resource[];
  /** Spec files read, sorted. */
  files: string[];
}

const idPattern = /^[a-z][a-z0-9_-]*:.+$/;

export async function loadSpecs(specsDir: string, options: LoadSpecsOptions = {}): Promise<LoadedSpecs> {
  const lookup = options.lookup ?? controllerFor;
  const dir = path.resolve(specsDir);
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(dir);
  } catch {
    throw new UserInputError(
      `specs directory ${dir} does not exist (create it, or set [controller] specs_dir in the config)`,
    );
  }
  if (!stat.isDirectory()) throw new UserInputError(`specs_dir ${dir} is not a directory`);
  const files = await findSpecFiles(dir);
  const problems: UserInputError[] = [];
  const resources: Resource[] = [];
  const seen = new Map<string, Resource>();
  let parsers: SpecParsers | undefined;
  for (const file of files) {
    const bytes = fs.readFileSync(file);
    let parsed = options.cache?.lookup(file, bytes);
    if (!parsed) {
      parsers ??= await loadSpecParsers(options.schemas);
      const before = problems.length;
      parsed = parseSpecFile(file, bytes.toString('utf8'), lookup, problems, parsers);
      if (problems.length === before) options.cache?.remember(file, bytes, parsed);
    }
    for (const r of parsed) {
      const prior = seen.get(r.id);
      if (prior) {
        problems.push(
          new UserInputError(`duplicate resource ${r.id}: also declared at ${where(prior)}`, {
            file: r.source.file,
            ...(r.source.line !== undefined ? { line: r.source.line } : {}),
          }),
        );
        continue;
      }
      seen.set(r.id, r);
      resources.push(r);
    }
  }
  if (problems.length > 0) throw new ValidationError(sortProblems(problems));
  fillManagedChildren(resources, lookup);
  return { resources, files };
}

/** Problems in file order, then line order, so the list reads like the files. */
function sortProblems(problems: UserInputError[]): UserInputError[] {
  const key = (p: UserInputError) => [p.location?.file ?? '', p.location?.line ?? 0] as const;
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => {
      const [fa, la] = key(a.p);
      const [fb, lb] = key(b.p);
      if (fa !== fb) return fa < fb ? -1 : 1;
      return la - lb || a.i - b.i;
    })
    .map((x) => x.p);
}

/**
 * A purging directory must spare what other resources manage inside it: the directory controller
 * reads those host paths from `managed_children`, which only the loader (seeing every spec) can
 * know. Hand-written entries are kept.
 */
export function fillManagedChildren(resources: Resource[], lookup: ControllerLookup): void {
  const purging = resources.filter((r) => r.kind === 'directory' && r.spec.purge === true);
  if (purging.length === 0) return;
  const managed: string[] = [];
  for (const r of resources) {
    const c = lookup(r.kind);
    const paths = c?.watchPaths?.(r.spec) ?? (typeof r.spec.path === 'string' ? [r.spec.path] : []);
    managed.push(...paths);
  }
  for (const d of purging) {
    const dir = String(d.spec.path);
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const own = Array.isArray(d.spec.managed_children) ? (d.spec.managed_children as string[]) : [];
    const inside = managed.filter((p) => p.startsWith(prefix));
    d.spec.managed_children = [...new Set([...own, ...inside])].sort();
  }
}

/**
 * Parse one spec file's text; problems are appended, valid resources returned. `parsers` comes
 * from loadSpecParsers (this function stays synchronous so a caller loads them once for many files).
 */
export function parseSpecFile(
  file: string,
  text: string,
  lookup: ControllerLookup,
  problems: UserInputError[],
  parsers: SpecParsers,
): Resource[] {
  let doc: Record<string, unknown>;
  try {
    doc = parsers.toml.parse(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof parsers.toml.TomlError) {
      const first = e.message.split('\n')[0] ?? e.message;
      problems.push(new UserInputError(`invalid TOML: ${first}`, { file, line: e.line, column: e.column }));
      return [];
    }
    throw e;
  }
  const positions = locateTables(text);
  const out: Resource[] = [];
  const specDir = path.dirname(file);
  for (const kind of Object.keys(doc)) {
    const value = doc[kind];
    const tables = positions.get(kind) ?? [];
    const kindLine = tables[0]?.line ?? lineOfTopLevelKey(text, kind);
    const controller = lookup(kind);
    const schema = parsers.schemaFor(kind);
    if (!controller || !schema) {
      const why = 'unknown resource kind';
      problems.push(new UserInputError(`[[${kind}]]: ${why}`, { file, ...lineProp(kindLine), key: kind }));
      continue;
    }
    if (!Array.isArray(value)) {
      problems.push(
        new UserInputError(`"${kind}" must be an array of tables: write [[${kind}]] for each resource`, {
          file,
          ...lineProp(kindLine),
          key: kind,
        }),
      );
      continue;
    }
    value.forEach((table, index) => {
      // Inline `kind = [{...}, {...}]` has one located line for all its entries.
      const pos = tables[index] ?? tables[tables.length - 1];
      const r = toResource(controller, schema, kind, table, index, pos, file, specDir, problems);
      if (r) out.push(r);
    });
  }
  return out;
}

function toResource(
  // biome-ignore lint/suspicious/noExplicitAny: see ControllerLookup
  controller: Controller<any, any>,
  schema: z.ZodType,
  kind: string,
  table: unknown,
  index: number,
  pos: TableLines | undefined,
  file: string,
  specDir: string,
  problems: UserInputError[],
): Resource | undefined {
  const tableLine = pos?.line;
  const label = `[[${kind}]] #${index + 1}`;
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    problems.push(
      new UserInputError(`${label} must be a table`, { file, ...lineProp(tableLine), key: kind }),
    );
    return undefined;
  }
  const raw = { ...(table as Record<string, unknown>) };
  const before = problems.length;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.map(String).join('.') || fieldFromMessage(issue);
      const top = String(issue.path[0] ?? field);
      const line = pos?.keys.get(top) ?? tableLine;
      const what = field ? `field "${field}"` : 'table';
      problems.push(
        new UserInputError(`${label} ${what}: ${issue.message}`, {
          file,
          ...lineProp(line),
          key: field ? `${kind}.${field}` : kind,
        }),
      );
    }
    return undefined;
  }
  const spec = { ...(parsed.data as Record<string, unknown>) };
  const requires = idList(raw.requires, 'requires', kind, label, file, pos, problems);
  const notify = idList(raw.notify, 'notify', kind, label, file, pos, problems);
  if (typeof spec.source === 'string' && spec.source !== '') {
    const resolved = path.resolve(specDir, spec.source);
    if (!fs.existsSync(resolved)) {
      problems.push(
        new UserInputError(`${label} field "source": ${resolved} does not exist`, {
          file,
          ...lineProp(pos?.keys.get('source') ?? tableLine),
          key: `${kind}.source`,
        }),
      );
    }
    spec.source = resolved;
  }
  if (problems.length > before) return undefined;
  const name = controller.name(spec);
  return {
    kind,
    name,
    id: `${kind}:${name}`,
    spec,
    requires,
    notify,
    source: { file, ...lineProp(tableLine) },
  };
}

function idList(
  value: unknown,
  field: 'requires' | 'notify',
  kind: string,
  label: string,
  file: string,
  pos: TableLines | undefined,
  problems: UserInputError[],
): string[] {
  if (value === undefined) return [];
  const ok = Array.isArray(value) && value.every((v) => typeof v === 'string' && idPattern.test(v));
  if (!ok) {
    problems.push(
      new UserInputError(`${label} field "${field}": must be a list of ids like "package:nginx"`, {
        file,
        ...lineProp(pos?.keys.get(field) ?? pos?.line),
        key: `${kind}.${field}`,
      }),
    );
    return [];
  }
  return [...new Set(value as string[])];
}

function fieldFromMessage(issue: { code?: string; keys?: unknown }): string {
  // zod reports unknown keys with an empty path and the names in `keys`.
  if (issue.code === 'unrecognized_keys' && Array.isArray(issue.keys)) return issue.keys.join(', ');
  return '';
}

async function findSpecFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await fs.promises.readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && e.name.endsWith('.toml')) out.push(full);
    }
  };
  await walk(dir);
  // Byte order, not locale order: the same tree loads the same way on every machine.
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function lineProp(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}

export function where(r: Pick<Resource, 'source'>): string {
  return r.source.line !== undefined ? `${r.source.file}:${r.source.line}` : r.source.file;
}
