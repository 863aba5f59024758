// What the agent is told about the managed resources: their ids as the specs name them (a cheap TOML
// scan of specs_dir, not the validating loader: the agents layer may not import specs/, and a broken
// spec must not stop a chat), and what the last reconcile run left pending, failed or blocked, from
// memory. Reads only; never throws (a problem becomes a note in the result).
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { MemoryStore } from '../memory/memory-store.js';

export interface SpecResources {
  ids: string[];
  /** Ids left out past the limit. */
  more: number;
  /** Spec files that could not be read or parsed (named, not fatal). */
  problems: string[];
}

export interface RunState {
  trigger: string;
  status: string;
  startedAt: string;
  /** Resources the run left drifted, failed or blocked, or found changed outside aios. */
  notes: { resourceId: string; status: string; label: string; message?: string }[];
}

const MAX_FILES = 500;

/**
 * `kind:name` for every table of every `*.toml` under `specsDir` (name, else path, else key: what
 * the controllers use for ids). A missing dir is an empty list.
 */
export async function specResourceIds(specsDir: string, limit = 200): Promise<SpecResources> {
  const out: SpecResources = { ids: [], more: 0, problems: [] };
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || files.length >= MAX_FILES) continue;
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() && e.name.endsWith('.toml')) files.push(full);
    }
  };
  await walk(specsDir);
  files.sort();
  for (const file of files) {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(await fs.promises.readFile(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      out.problems.push(
        `${path.relative(specsDir, file)}: ${((error as Error).message ?? '').split('\n')[0]}`,
      );
      continue;
    }
    for (const [kind, value] of Object.entries(doc)) {
      if (!Array.isArray(value)) continue;
      for (const table of value) {
        if (!table || typeof table !== 'object') continue;
        const t = table as Record<string, unknown>;
        const name = [t.name, t.path, t.key].find((v) => typeof v === 'string');
        if (name === undefined) continue;
        if (out.ids.length < limit) out.ids.push(`${kind}:${name}`);
        else out.more++;
      }
    }
  }
  return out;
}

/** The last reconcile run and what it left needing attention. */
export function lastRunState(mem: MemoryStore, limit = 30): RunState | undefined {
  try {
    const run = mem.lastRun();
    if (!run) return undefined;
    const notes: RunState['notes'] = [];
    for (const e of mem.runEvents(run.id)) {
      const d = e.data as { resource_id?: string; status?: string; label?: string; message?: string | null };
      if (!d.resource_id || !d.status || d.status === 'applied' || d.status === 'unchanged') continue;
      if (notes.length >= limit) break;
      notes.push({
        resourceId: d.resource_id,
        status: d.status,
        label: d.label ?? 'aios',
        ...(d.message ? { message: d.message } : {}),
      });
    }
    return { trigger: run.trigger, status: run.status, startedAt: run.startedAt, notes };
  } catch {
    return undefined;
  }
}
