// A cache of validated spec files, kept in data_dir: for each spec file, the sha256 of its text and
// the resources it validated into. A run whose spec files are unchanged takes its resources from
// here and never loads the TOML parser, zod or the kinds' schemas, which are most of the start-up
// of a no-change `aios apply` (docs/decisions/180). What it must not do: change what a run sees. A
// hit needs the exact same bytes in the same file under the same build of aios; anything else
// (another build, a torn or foreign cache file, a missing `source`) is a miss, and a miss is
// exactly the uncached path. Files declaring a `sensitive` resource are never stored, so secret
// contents stay only where their author put them.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { privateCachePath, readPrivateCache, writePrivateCache } from '../host/private-cache.js';
import type { Resource } from '../types.js';

const FORMAT = 2;

interface Entry {
  hash: string;
  /** v8-serialised Resource[] as validated: a copy, so the loader's later fill-ins never leak in. */
  resources: Uint8Array;
}

/**
 * The dependency graph of the resources the files hold, as indexes into the list the loader
 * returns (files in order, resources in declaration order): rebuilding it costs more than the
 * rest of a cached load (bench/apply).
 */
export interface StoredGraph {
  /** Number of resources it was built for. */
  count: number;
  order: number[];
  /** Per resource: the resources it runs after, sorted as buildGraph sorts them. */
  deps: number[][];
}

interface CacheFile {
  format: number;
  stamp: string;
  entries: Record<string, Entry>;
  /** The graph, with the key of the exact files (names and contents) it belongs to. */
  graph?: { key: string; graph: StoredGraph };
}

export interface SpecCache {
  /**
   * The resources these exact bytes validated into before; undefined when they have to be parsed.
   * Bytes, not text: a hit never pays for decoding the file.
   */
  lookup(file: string, bytes: Buffer): Resource[] | undefined;
  /** What a file validated into, without problems (stored unless it declares a sensitive resource). */
  remember(file: string, bytes: Buffer, resources: Resource[]): void;
  /** The graph stored for exactly these files with the texts looked up this run. */
  graph(files: string[]): StoredGraph | undefined;
  rememberGraph(files: string[], graph: StoredGraph): void;
  /** Writes the cache if this run changed it, keeping only the files this run read. Never throws. */
  save(filesRead: string[]): void;
}

/** The cache file for one specs directory (several configs may share a data_dir). */
export function specCachePath(dataDir: string, specsDir: string): string {
  return privateCachePath(dataDir, 'specs', specsDir);
}

/**
 * Which build of aios wrote a cache: the tsc build info of the dist tree this module runs from
 * (rewritten by every build) and this module's own file (rewritten by every install). A cache from
 * another build is a miss, so a schema that normalises differently never sees old output.
 */
export function buildStamp(moduleUrl: string = import.meta.url): string {
  const self = fileURLToPath(moduleUrl);
  const parts: string[] = [statKey(self)];
  let dir = path.dirname(self);
  for (let i = 0; i < 4; i++) {
    if (path.basename(dir) === 'dist') {
      parts.push(statKey(path.join(dir, '.tsbuildinfo')));
      break;
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return parts.join('|');
}

function statKey(file: string): string {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st ? `${st.size}:${st.mtimeMs}` : '-';
}

export function openSpecCache(file: string, stamp: string = buildStamp()): SpecCache {
  const stored = readCache(file, stamp);
  const entries: Record<string, Entry> = stored?.entries ?? {};
  let graph = stored?.graph;
  const hashes = new Map<string, string>();
  let dirty = false;
  /** Names and contents of every file, in order; undefined if one was not looked up this run. */
  const treeKey = (files: string[]): string | undefined => {
    const h = createHash('sha256');
    for (const f of files) {
      const fileHash = hashes.get(f);
      if (fileHash === undefined) return undefined;
      h.update(`${f}\0${fileHash}\n`);
    }
    return h.digest('hex');
  };
  const hashOf = (f: string, bytes: Buffer): string => {
    let h = hashes.get(f);
    if (h === undefined) {
      h = createHash('sha256').update(bytes).digest('hex');
      hashes.set(f, h);
    }
    return h;
  };
  return {
    lookup(f, bytes) {
      const hit = entries[f];
      if (!hit || hit.hash !== hashOf(f, bytes)) return undefined;
      let resources: Resource[];
      try {
        resources = deserialize(hit.resources) as Resource[];
      } catch {
        return undefined;
      }
      if (!Array.isArray(resources)) return undefined;
      // The uncached loader refuses a `source` that does not exist: so does a hit (by missing).
      for (const r of resources) {
        const src = r.spec.source;
        if (typeof src === 'string' && src !== '' && !fs.existsSync(src)) return undefined;
      }
      return resources;
    },
    remember(f, bytes, resources) {
      if (resources.some((r) => r.spec.sensitive === true)) return;
      entries[f] = { hash: hashOf(f, bytes), resources: serialize(resources) };
      dirty = true;
    },
    graph(files) {
      const key = treeKey(files);
      return key !== undefined && graph?.key === key ? graph.graph : undefined;
    },
    rememberGraph(files, g) {
      const key = treeKey(files);
      if (key === undefined) return;
      graph = { key, graph: g };
      dirty = true;
    },
    save(filesRead) {
      const keep = new Set(filesRead);
      for (const f of Object.keys(entries)) {
        if (!keep.has(f)) {
          delete entries[f];
          dirty = true;
        }
      }
      if (!dirty && stored) return;
      writePrivateCache(file, serialize({ format: FORMAT, stamp, entries, ...(graph ? { graph } : {}) }));
      dirty = false;
    },
  };
}

function readCache(file: string, stamp: string): CacheFile | undefined {
  const bytes = readPrivateCache(file);
  if (!bytes) return undefined;
  try {
    const data = deserialize(bytes) as Partial<CacheFile> | null;
    if (!data || data.format !== FORMAT || data.stamp !== stamp || typeof data.entries !== 'object') {
      return undefined;
    }
    return data as CacheFile;
  } catch {
    // Torn by a crash, or written by another format: a miss, never an error.
    return undefined;
  }
}
