// File tools: read_file, write_file, edit_file, list_dir, stat. Thin wrappers over the host
// adapters (src/host/fs-*.ts) that turn their results into text a person or a model can read.
// All paths are host paths mapped inside ctx.root; nothing here decides whether a call is allowed.
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { z } from 'zod';
import { HostError } from '../errors.js';
import { type Accounts, readAccounts } from '../host/accounts.js';
import { formatMode, listDirectory, type PathInfo, parseMode, pathInfo } from '../host/fs-info.js';
import { ensureFile, readFileText } from '../host/fs-ops.js';
import type { RootPath } from '../host/root-path.js';
import { creationPatch } from './creation-patch.js';
import { capOutput, DEFAULT_MAX_OUTPUT, execResult, runExec } from './exec-run.js';
import type { Tool, ToolContext } from './tool.js';
import { editFileArgs, listDirArgs, readFileArgs, statArgs, writeFileArgs } from './tool-arg-schemas.js';
import { TOOL } from './tool-args.js';
import { failure, guarded } from './tool-result.js';

const DEFAULT_READ_BYTES = 256 * 1024;
const VALIDATE_TIMEOUT_SEC = 60;

/** Owner/group names (or numeric ids) to ids, against the ROOT's account files. */
export async function resolveOwnership(
  root: RootPath,
  owner: string | undefined,
  group: string | undefined,
): Promise<{ uid?: number; gid?: number }> {
  if (owner === undefined && group === undefined) return {};
  const accounts = await readAccounts(root);
  const out: { uid?: number; gid?: number } = {};
  if (owner !== undefined) out.uid = accounts.resolveUid(owner);
  if (group !== undefined) out.gid = accounts.resolveGid(group);
  return out;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// Myers diff is quadratic in the worst case: past this size a summary says what changed instead.
const MAX_DIFF_BYTES = 512 * 1024;

function isBinary(text: string): boolean {
  return text.includes('\0');
}

function unifiedDiff(hostPath: string, before: string, after: string): string {
  if (before.length + after.length > MAX_DIFF_BYTES || isBinary(before) || isBinary(after)) {
    const kind = isBinary(before) || isBinary(after) ? 'binary content' : 'content too large to diff';
    return `[${kind}: ${Buffer.byteLength(before)} -> ${Buffer.byteLength(after)} bytes]\n`;
  }
  // From nothing (a new or empty file) every line is an addition: no Myers run needed.
  if (before === '') return creationPatch(`a${hostPath}`, `b${hostPath}`, after);
  return createTwoFilesPatch(`a${hostPath}`, `b${hostPath}`, before, after, undefined, undefined, {
    context: 3,
  });
}

export const readFileTool: Tool<z.infer<typeof readFileArgs>> = {
  name: TOOL.readFile,
  description:
    'Read a text file. Long files are cut at max_bytes with a note saying how much is left; binary files are only described.',
  schema: readFileArgs,
  effect: 'read',
  run: (args, ctx) =>
    guarded(args.path, async () => {
      const max = args.max_bytes ?? DEFAULT_READ_BYTES;
      const r = await readFileText(ctx.root, args.path, max);
      if (isBinary(r.content)) {
        // NUL bytes mean binary: its bytes as text would only confuse a reader (or a model).
        return {
          ok: true,
          output: `[binary file: ${r.size} bytes, not shown]`,
          changed: false,
          data: { path: args.path, size: r.size, binary: true },
        };
      }
      const output = r.omitted > 0 ? `${r.content}\n[output truncated: ${r.omitted} bytes more]` : r.content;
      return {
        ok: true,
        output,
        changed: false,
        data: { path: args.path, size: r.size, omitted: r.omitted },
      };
    }),
};

export const writeFileTool: Tool<z.infer<typeof writeFileArgs>> = {
  name: TOOL.writeFile,
  description:
    'Write a whole file atomically (temp file, fsync, rename). Keeps the existing mode and owner unless ' +
    'mode/owner/group are given. "validate" is a command run on the temp file first (%s is its path); ' +
    'the file is replaced only if it exits 0. Unchanged content, mode and owner: nothing is written.',
  schema: writeFileArgs,
  effect: 'write',
  run: (args, ctx) =>
    guarded(args.path, async () => {
      const own = await resolveOwnership(ctx.root, args.owner, args.group);
      let validation: string | undefined;
      const validate = args.validate
        ? async (tmp: string) => {
            const cmd = args.validate?.includes('%s')
              ? (args.validate ?? '').replaceAll('%s', shellQuote(tmp))
              : `${args.validate} ${shellQuote(tmp)}`;
            const outcome = await runExec(ctx, {
              command: ['bash', '-c', cmd],
              timeoutSec: VALIDATE_TIMEOUT_SEC,
              effect: 'exec',
              readable: [path.dirname(tmp)],
            });
            const r = execResult(ctx, outcome, VALIDATE_TIMEOUT_SEC);
            if (!r.ok) {
              validation = [r.output, r.stderr].filter(Boolean).join('\n').trim();
              throw new HostError(
                `validation failed, ${args.path} left unchanged: ${args.validate}` +
                  (r.exitCode !== undefined ? ` (exit ${r.exitCode})` : ''),
              );
            }
          }
        : undefined;
      try {
        const r = await ensureFile(ctx.root, args.path, args.content, {
          mode: args.mode !== undefined ? parseMode(args.mode) : undefined,
          uid: own.uid,
          gid: own.gid,
          validate,
        });
        if (!r.changed) {
          return { ok: true, output: `${args.path} unchanged`, changed: false, data: { differences: [] } };
        }
        const what = r.created
          ? `created ${args.path} (${Buffer.byteLength(args.content)} bytes, mode ${formatMode(r.mode)})`
          : `updated ${args.path} (${r.differences.join(', ')})`;
        const diff = unifiedDiff(args.path, r.before ?? '', args.content);
        const max = ctx.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
        return {
          ok: true,
          output: r.differences.includes('content') || r.created ? `${what}\n${capOutput(diff, max)}` : what,
          changed: true,
          data: { differences: r.differences, created: r.created, diff },
        };
      } catch (e) {
        if (validation !== undefined) {
          return failure(`${(e as Error).message}\n${validation}`, { stderr: validation });
        }
        throw e;
      }
    }),
};

export const editFileTool: Tool<z.infer<typeof editFileArgs>> = {
  name: TOOL.editFile,
  description:
    'Replace one exact piece of text in a file. old_text must occur exactly once (add surrounding lines ' +
    'to make it unique). Returns a unified diff. Mode and owner are kept.',
  schema: editFileArgs,
  effect: 'write',
  run: (args, ctx) =>
    guarded(args.path, async () => {
      const current = await readFileText(ctx.root, args.path, Number.MAX_SAFE_INTEGER);
      const count = current.content.split(args.old_text).length - 1;
      if (count === 0) return failure(`old_text not found in ${args.path}; nothing changed`);
      if (count > 1) {
        return failure(
          `old_text occurs ${count} times in ${args.path}; include more surrounding text so it occurs once`,
        );
      }
      const at = current.content.indexOf(args.old_text);
      const next =
        current.content.slice(0, at) + args.new_text + current.content.slice(at + args.old_text.length);
      if (next === current.content) {
        return { ok: true, output: `${args.path} unchanged (old_text equals new_text)`, changed: false };
      }
      await ensureFile(ctx.root, args.path, next);
      const diff = unifiedDiff(args.path, current.content, next);
      return {
        ok: true,
        output: capOutput(diff, ctx.maxOutputBytes ?? DEFAULT_MAX_OUTPUT),
        changed: true,
        data: { diff },
      };
    }),
};

const TYPE_CHAR: Record<string, string> = { file: '-', dir: 'd', symlink: 'l', other: '?' };

function describe(e: PathInfo, name: string): string {
  const link = e.target !== undefined ? ` -> ${e.target}` : '';
  const slash = e.type === 'dir' ? '/' : '';
  return `${TYPE_CHAR[e.type ?? 'other']} ${e.mode} ${e.owner}:${e.group} ${String(e.size).padStart(8)} ${name}${slash}${link}`;
}

async function accountsFor(ctx: ToolContext): Promise<Accounts> {
  return readAccounts(ctx.root);
}

export const listDirTool: Tool<z.infer<typeof listDirArgs>> = {
  name: TOOL.listDir,
  description: 'List a directory: type, mode, owner:group, size, name (links shown with their target).',
  schema: listDirArgs,
  effect: 'read',
  run: (args, ctx) =>
    guarded(args.path, async () => {
      const entries = await listDirectory(ctx.root, args.path, await accountsFor(ctx));
      const lines = entries.map((e) => describe(e, e.path.slice(e.path.lastIndexOf('/') + 1)));
      const output = capOutput(lines.join('\n'), ctx.maxOutputBytes ?? DEFAULT_MAX_OUTPUT);
      return { ok: true, output: output || '(empty directory)', changed: false, data: entries };
    }),
};

export const statTool: Tool<z.infer<typeof statArgs>> = {
  name: TOOL.stat,
  description:
    'Facts about one path without following a final symlink: exists, type, mode, owner, group, size, ' +
    'mtime, link target. A missing path is a normal answer (exists: false).',
  schema: statArgs,
  effect: 'read',
  run: (args, ctx) =>
    guarded(args.path, async () => {
      const info = await pathInfo(ctx.root, args.path, await accountsFor(ctx));
      const output = info.exists ? describe(info, args.path) : `${args.path}: does not exist`;
      return { ok: true, output, changed: false, data: info };
    }),
};

export const fileTools: Tool[] = [readFileTool, writeFileTool, editFileTool, listDirTool, statTool];
