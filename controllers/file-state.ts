// Observe, diff and plan for one regular file, shared by the `file`, `cron` and `sysctl` kinds.
// observeFile is the only function here that does I/O (lstat, read, account lookups through
// src/host); diffFile and planFile are pure. Sensitive contents never leave this module except as
// the write_file argument that must carry them.
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import type { Accounts } from '../src/host/accounts.js';
import type { ContentStamps } from '../src/host/content-stamps.js';
import type { RootPath } from '../src/host/root-path.js';
import { TOOL } from '../src/tools/tool-args.js';
import type { Action, Change } from '../src/types.js';
import { accountsOf } from './account-cache.js';
import { modeString } from './common-fields.js';
import { type ContentSide, contentChange, isBinary, MAX_DIFF_BYTES } from './content-diff.js';
import { statInRootSync } from './root-stat.js';

export type NodeType = 'missing' | 'file' | 'directory' | 'symlink' | 'other';

/** What a file resource wants, after the kind has worked it out from its spec. */
export interface DesiredFile {
  path: string;
  state: 'present' | 'absent';
  /** undefined: contents are not managed (metadata only; a missing file is created empty). */
  content?: string | undefined;
  mode?: string | undefined;
  owner?: string | undefined;
  group?: string | undefined;
  sensitive?: boolean | undefined;
  validate?: string | undefined;
}

export interface FileObserved extends OwnershipObserved {
  path: string;
  type: NodeType;
  mode?: string;
  /** Set when contents are managed and the file exists. */
  contentSame?: boolean;
  /** Current contents, kept only when they differ and the file is not sensitive. */
  current?: ContentSide;
}

export async function observeFile(
  desired: DesiredFile,
  root: RootPath,
  accounts?: Accounts,
  stamps?: ContentStamps,
): Promise<FileObserved> {
  // Links are resolved inside the root exactly as the tools resolve them: write_file, chmod and
  // chown follow a final link (so do we), remove takes the link itself (so an absent check does too).
  const { real, st } = statInRootSync(root, desired.path, desired.state === 'present');
  const obs: FileObserved = { path: desired.path, type: 'missing' };
  if (!st)
    return desired.state === 'absent' || !ownsAccounts(desired)
      ? obs
      : observeOwnership(obs, desired, root, accounts);
  obs.type = st.isFile()
    ? 'file'
    : st.isDirectory()
      ? 'directory'
      : st.isSymbolicLink()
        ? 'symlink'
        : 'other';
  if (desired.state === 'absent') return obs;
  obs.mode = modeString(st.mode);
  obs.uid = st.uid;
  obs.gid = st.gid;
  if (obs.type === 'file' && desired.content !== undefined) {
    // The hot path of a no-change run: equal sizes are the only case worth reading to compare.
    // A sensitive file is always read: a digest of a short secret must not be kept anywhere.
    const noted = desired.sensitive ? undefined : stamps;
    if (st.size === Buffer.byteLength(desired.content)) {
      if (noted?.knownSame(real, st, desired.content)) {
        obs.contentSame = true;
      } else {
        const readAt = Date.now();
        obs.contentSame = sameContent(real, desired.content);
        if (obs.contentSame) noted?.noteSame(real, st, desired.content, readAt);
        else noted?.forget(real);
      }
      if (!obs.contentSame && !desired.sensitive) obs.current = { text: readFileSync(real).toString('utf8') };
    } else {
      noted?.forget(real);
      obs.contentSame = false;
      if (!desired.sensitive) obs.current = await readForDiff(real, st.size);
    }
  }
  // Returned directly when no owner or group is asked for: handing back observeOwnership's promise
  // from this async function would cost a few more microtask turns per file.
  return ownsAccounts(desired) ? observeOwnership(obs, desired, root, accounts) : obs;
}

function ownsAccounts(desired: DesiredMeta): boolean {
  return desired.owner !== undefined || desired.group !== undefined;
}

/**
 * Does the file (of content's size, as lstat said) hold exactly `content`? Synchronous on purpose: for
 * small files it is several times faster than the thread pool. Reading as UTF-8 text takes node's
 * one-call path (open, read, decode in C++), cheaper than a Buffer and a byte compare in a cold
 * process, and the text equals `content` exactly when the bytes are `content` encoded: a valid
 * byte sequence decodes to the one text that encodes back to it, and an invalid one decodes with a
 * U+FFFD. So text is compared only for a well-formed `content` without U+FFFD; any other is
 * compared byte for byte.
 */
function sameContent(real: string, content: string): boolean {
  if (wellFormed(content) && !content.includes('\uFFFD')) {
    return readFileSync(real, 'utf8') === content;
  }
  return readFileSync(real).equals(Buffer.from(content));
}

/** String.prototype.isWellFormed (Node 20): no lone surrogate. Without it, assume the worst. */
function wellFormed(s: string): boolean {
  return (s as string & { isWellFormed?: () => boolean }).isWellFormed?.() === true;
}

async function readForDiff(real: string, size: number): Promise<ContentSide> {
  if (size > MAX_DIFF_BYTES) return { summary: `${size} bytes` };
  const text = (await fs.readFile(real)).toString('utf8');
  return isBinary(text) ? { summary: `${size} bytes, binary` } : { text };
}

export interface OwnershipObserved {
  uid?: number;
  gid?: number;
  /** Current owner/group names, for display only. */
  ownerName?: string;
  groupName?: string;
  /** Desired owner/group as ids; null when the name does not exist (yet) under the root. */
  wantUid?: number | null;
  wantGid?: number | null;
}

export interface DesiredMeta {
  mode?: string | undefined;
  owner?: string | undefined;
  group?: string | undefined;
}

/** Resolve the wanted owner/group names to ids (and the current ids to names for display). */
export async function observeOwnership<T extends OwnershipObserved>(
  obs: T,
  desired: DesiredMeta,
  root: RootPath,
  accounts?: Accounts,
): Promise<T> {
  if (desired.owner === undefined && desired.group === undefined) return obs;
  const acc = accounts ?? (await accountsOf(root));
  if (desired.owner !== undefined) {
    obs.wantUid = orNull(() => acc.resolveUid(desired.owner as string));
    if (obs.uid !== undefined) obs.ownerName = acc.userName(obs.uid);
  }
  if (desired.group !== undefined) {
    obs.wantGid = orNull(() => acc.resolveGid(desired.group as string));
    if (obs.gid !== undefined) obs.groupName = acc.groupName(obs.gid);
  }
  return obs;
}

/** An unknown name is not an observe error: the user may be created earlier in the same run. */
function orNull(resolve: () => number): number | null {
  try {
    return resolve();
  } catch {
    return null;
  }
}

export function diffFile(desired: DesiredFile, obs: FileObserved): Change[] {
  if (desired.state === 'absent') {
    // A directory of that name is not a file this resource could own (the directory kind removes it).
    return obs.type === 'missing' || obs.type === 'directory'
      ? []
      : [{ field: 'state', before: 'present', after: 'absent' }];
  }
  const changes: Change[] = [];
  if (obs.type === 'missing') {
    changes.push({ field: 'state', before: 'absent', after: 'present' });
    changes.push(contentChange(desired.path, {}, desired.content ?? '', desired.sensitive === true));
  } else {
    if (obs.type !== 'file') changes.push({ field: 'type', before: obs.type, after: 'file' });
    if (desired.content !== undefined && (obs.type !== 'file' || obs.contentSame === false)) {
      const before: ContentSide =
        obs.type !== 'file' ? {} : desired.sensitive ? { summary: 'present' } : (obs.current ?? {});
      changes.push(contentChange(desired.path, before, desired.content, desired.sensitive === true));
    }
  }
  changes.push(...metadataChanges(desired, obs, obs.type !== 'missing'));
  return changes;
}

/** mode/owner/group Changes; `existing` false means everything asked for is a change. */
export function metadataChanges(
  desired: DesiredMeta,
  obs: OwnershipObserved & { mode?: string },
  existing: boolean,
): Change[] {
  const changes: Change[] = [];
  if (desired.mode !== undefined && (!existing || obs.mode !== desired.mode)) {
    changes.push({ field: 'mode', before: existing ? (obs.mode ?? null) : null, after: desired.mode });
  }
  if (desired.owner !== undefined && (!existing || obs.wantUid === null || obs.uid !== obs.wantUid)) {
    changes.push({
      field: 'owner',
      before: existing ? idLabel(obs.ownerName, obs.uid) : null,
      after: desired.owner,
    });
  }
  if (desired.group !== undefined && (!existing || obs.wantGid === null || obs.gid !== obs.wantGid)) {
    changes.push({
      field: 'group',
      before: existing ? idLabel(obs.groupName, obs.gid) : null,
      after: desired.group,
    });
  }
  return changes;
}

function idLabel(name: string | undefined, id: number | undefined): string | null {
  if (id === undefined) return null;
  return name === undefined ? String(id) : name;
}

/**
 * One write_file when contents (or the file itself) change, carrying mode/owner/group so the new
 * file appears complete in one rename; otherwise chmod/chown for metadata-only changes.
 */
export function planFile(desired: DesiredFile, changes: Change[], resource: string): Action[] {
  if (changes.length === 0) return [];
  const fields = new Set(changes.map((c) => c.field));
  if (desired.state === 'absent') {
    return [{ tool: TOOL.remove, args: { path: desired.path }, resource, reason: 'state = absent' }];
  }
  const actions: Action[] = [];
  if (fields.has('type')) {
    const wrongType = changes.find((c) => c.field === 'type')?.before;
    // Non-recursive on purpose: a directory in the way is removed only when it is empty.
    actions.push({
      tool: TOOL.remove,
      args: { path: desired.path },
      resource,
      reason: `a ${String(wrongType)} is where the file should be`,
    });
  }
  if (fields.has('state') || fields.has('type') || fields.has('content')) {
    const args: Record<string, unknown> = { path: desired.path, content: desired.content ?? '' };
    if (desired.mode !== undefined) args.mode = desired.mode;
    if (desired.owner !== undefined) args.owner = desired.owner;
    if (desired.group !== undefined) args.group = desired.group;
    if (desired.validate !== undefined) args.validate = desired.validate;
    const action: Action = {
      tool: TOOL.writeFile,
      args,
      resource,
      reason: fields.has('state') ? 'create the file' : 'update the contents',
    };
    if (desired.sensitive) action.sensitive = true;
    actions.push(action);
    return actions;
  }
  actions.push(...metadataActions(desired, desired.path, fields, resource));
  return actions;
}

/** chmod / chown for metadata-only changes of an existing path. */
export function metadataActions(
  desired: DesiredMeta,
  hostPath: string,
  fields: Set<string>,
  resource: string,
): Action[] {
  const actions: Action[] = [];
  if (fields.has('mode') && desired.mode !== undefined) {
    actions.push({
      tool: TOOL.chmod,
      args: { path: hostPath, mode: desired.mode },
      resource,
      reason: 'set the mode',
    });
  }
  if (fields.has('owner') || fields.has('group')) {
    const args: Record<string, unknown> = { path: hostPath };
    if (fields.has('owner') && desired.owner !== undefined) args.owner = desired.owner;
    if (fields.has('group') && desired.group !== undefined) args.group = desired.group;
    actions.push({ tool: TOOL.chown, args, resource, reason: 'set the owner/group' });
  }
  return actions;
}
