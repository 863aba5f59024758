// The `file` kind: a regular file's contents (inline `content` or a `source` file next to the
// spec), mode, owner, group, or its absence. observe reads the source and the target; diff/plan
// are pure (file-state.ts). `sensitive = true` keeps contents out of every Change. The spec's
// schema is in file-schema.ts: this module must not load zod (decision 172).
import fs from 'node:fs/promises';
import path from 'node:path';
import { UserInputError } from '../src/errors.js';
import type { Change, ResourceId } from '../src/types.js';
import { parentDir } from './common-fields.js';
import type { Controller, ObserveContext } from './controller.js';
import type { FileSpec } from './file-schema.js';
import { type DesiredFile, diffFile, type FileObserved, observeFile, planFile } from './file-state.js';

export interface FileControllerObserved extends FileObserved {
  /** The desired contents as read from `source` (undefined for inline content or none). */
  sourceContent?: string;
}

function desiredOf(spec: FileSpec, sourceContent: string | undefined): DesiredFile {
  return {
    path: spec.path,
    state: spec.state,
    content: spec.content ?? sourceContent,
    mode: spec.mode,
    owner: spec.owner,
    group: spec.group,
    sensitive: spec.sensitive,
    validate: spec.validate,
  };
}

/** Where a `source` lives: on the machine running aios, next to the spec (never under --root). */
export function sourcePath(source: string, specDir: string): string {
  return path.isAbsolute(source) ? source : path.resolve(specDir, source);
}

async function readSource(source: string, specDir: string): Promise<string> {
  const file = sourcePath(source, specDir);
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (e) {
    throw new UserInputError(`cannot read source ${file}: ${(e as Error).message}`, { file, key: 'source' });
  }
  const text = buf.toString('utf8');
  // write_file carries text; a file that does not survive utf-8 would be silently corrupted.
  if (!Buffer.from(text, 'utf8').equals(buf)) {
    throw new UserInputError(`source ${file} is not UTF-8 text (binary files are not supported)`, {
      file,
      key: 'source',
    });
  }
  return text;
}

export const fileController: Controller<FileSpec, FileControllerObserved> = {
  kind: 'file',
  name: (spec) => spec.path,

  async observe(spec: FileSpec, ctx: ObserveContext): Promise<FileControllerObserved> {
    const sourceContent =
      spec.source !== undefined && spec.state === 'present'
        ? await readSource(spec.source, ctx.specDir)
        : undefined;
    const obs: FileControllerObserved = await observeFile(
      desiredOf(spec, sourceContent),
      ctx.root,
      undefined,
      ctx.stamps,
    );
    if (sourceContent !== undefined) obs.sourceContent = sourceContent;
    return obs;
  },

  diff(spec: FileSpec, observed: FileControllerObserved): Change[] {
    return diffFile(desiredOf(spec, observed.sourceContent), observed);
  },

  plan(changes: Change[], spec: FileSpec, observed: FileControllerObserved) {
    return planFile(desiredOf(spec, observed.sourceContent), changes, `file:${spec.path}`);
  },

  implicitRequires(spec: FileSpec): ResourceId[] {
    return fileLikeRequires(spec.path, spec.owner, spec.group);
  },

  watchPaths: (spec) => [spec.path],
};

/**
 * Every ancestor directory (nearest first: a declared /srv must exist before an undeclared /srv/a
 * is created under it by a write), owner and group. The graph keeps only edges to declared resources.
 */
export function fileLikeRequires(p: string, owner?: string, group?: string): ResourceId[] {
  const ids: ResourceId[] = [];
  for (let dir = parentDir(p); dir !== undefined && dir !== '/'; dir = parentDir(dir))
    ids.push(`directory:${dir}`);
  if (owner !== undefined && !/^\d+$/.test(owner)) ids.push(`user:${owner}`);
  if (group !== undefined && !/^\d+$/.test(group)) ids.push(`group:${group}`);
  return ids;
}
