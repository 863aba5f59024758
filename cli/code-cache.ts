// V8's code cache for the bundled CLI (decision 181): node 20 has no compile cache of its own, so
// every `aios` run would parse and compile the same ~250 KB of JavaScript again. For the CommonJS
// chunks in one directory, this compiles each with the cached data V8 produced the first time
// (after a whole run, so it holds the functions that run called too) and saves that data on exit.
//
// The cache sits beside the chunks, as Python's __pycache__ does: only whoever can change the code
// can change its cache, and a read-only install simply runs without one. Entries are named by the
// sha1 of the chunk's text, because V8's own check compares only the length of the source: a
// rebuilt chunk of the same length must never run an old compilation. Anything unexpected (no
// cache, a rejected or unwritable one) compiles normally; the cache only ever saves time.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

export const CODE_CACHE_DIR = '.code-cache';

interface InternalModule {
  exports: unknown;
  filename: string;
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}

interface ModuleInternals {
  prototype: InternalModule;
  wrap(source: string): string;
  _resolveFilename(request: string, parent: InternalModule, isMain: boolean, options?: unknown): string;
  _extensions: unknown;
  _cache: unknown;
}

/** Compiles the CommonJS files under `dir` through the code cache in `dir/.code-cache`. */
export function installCodeCache(dir: string): void {
  const M = Module as unknown as ModuleInternals;
  const cacheDir = path.join(dir, CODE_CACHE_DIR);
  const pending: { script: vm.Script; file: string }[] = [];
  const original = M.prototype._compile;
  M.prototype._compile = function compile(this: InternalModule, content: string, filename: string) {
    if (!filename.startsWith(`${dir}${path.sep}`) || !filename.endsWith('.cjs')) {
      return original.call(this, content, filename);
    }
    const name = path.relative(dir, filename).replaceAll(path.sep, '+');
    // V8's version in the name too: two node versions sharing an install keep a cache each
    // instead of rejecting and rewriting each other's on every run.
    const file = path.join(cacheDir, `${name}.${sha1(content)}.${process.versions.v8}`);
    const cachedData = readIfPresent(file);
    const script = new vm.Script(M.wrap(content), {
      filename,
      ...(cachedData ? { cachedData } : {}),
      // The chunks' own import() of user plugins (.mjs) goes to node's loader as usual.
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (!cachedData || script.cachedDataRejected) pending.push({ script, file });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const dirname = path.dirname(filename);
    return wrapper.call(this.exports, this.exports, requireFor(M, this), this, filename, dirname);
  };
  process.once('exit', () => {
    if (pending.length > 0) save(cacheDir, pending);
  });
}

/** The `require` node gives a module: resolution relative to it and the shared module cache. */
function requireFor(M: ModuleInternals, mod: InternalModule) {
  const require = (id: string) => mod.require(id);
  require.resolve = (request: string, options?: unknown) => M._resolveFilename(request, mod, false, options);
  require.main = process.mainModule;
  require.extensions = M._extensions;
  require.cache = M._cache;
  return require;
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

function save(cacheDir: string, pending: { script: vm.Script; file: string }[]): void {
  try {
    fs.mkdirSync(cacheDir, { recursive: true, mode: 0o755 });
    for (const { script, file } of pending) {
      const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        fs.writeFileSync(tmp, script.createCachedData(), { flag: 'wx' });
        fs.renameSync(tmp, file);
      } catch {
        fs.rmSync(tmp, { force: true });
      }
    }
  } catch {
    // A read-only install (or a full disk) runs without a cache: slower to start, nothing else.
  }
}
