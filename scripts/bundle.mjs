// Bundles the `aios` program (cli/main.ts) from the TypeScript sources into dist/cli/aios-bundle.cjs
// plus chunks, with code splitting so a command's modules still load only when it runs. Start-up
// is a goal (bench/README.md): a few CommonJS chunks compiled from V8's code cache cost far less
// than ~300 small ES modules compiled every time (decision 181). dist/cli/aios.js (tsc output of cli/aios.ts) runs the bundle while the stamp written
// here matches dist/.tsbuildinfo, i.e. while no later `tsc` run has changed dist/.
//
// Layout: our chunks sit beside the entry in dist/cli/ (chunk-*.cjs), so every lookup relative to
// `import.meta.url` (package.json, policies/, docs/, specs/demo, aios-runtime.js) finds the same
// files as from the tsc output; each npm package becomes dist/cli/lib/<package>/<name>-<hash>.cjs,
// so a module trace still names the package (test/cli: no zod or SQLite for --help). Native
// packages stay external: they load their .node files relative to their own install directory.
// An import that does not resolve (another engineer's file not written yet) becomes a module that
// throws when loaded, as the plain build would at run time, instead of failing the whole build.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(repo, 'dist/cli');
const stampFile = path.join(out, 'aios-bundle.stamp');
// better-sqlite3's JavaScript is bundled (src/memory/sqlite-open.ts hands it the addon's path).
const external = [/^node:/, /\.node$/, 'koffi', 'sqlite-vec'];

/** The npm package a module id belongs to (scoped names included), or undefined for our code. */
function packageOf(id) {
  const i = id.lastIndexOf('/node_modules/');
  if (i === -1) return undefined;
  const parts = id.slice(i + '/node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

const MISSING = '\0aios-missing:';
const missingModules = {
  name: 'aios-missing-modules',
  async resolveId(source, importer) {
    if (!importer || !(source.startsWith('./') || source.startsWith('../'))) return null;
    const resolved = await this.resolve(source, importer, { skipSelf: true });
    if (resolved) return null;
    this.warn(
      `${path.relative(repo, importer)} imports ${source}, which does not exist: it throws if loaded`,
    );
    return `${MISSING}${path.resolve(path.dirname(importer), source)}`;
  },
  load(id) {
    if (!id.startsWith(MISSING)) return null;
    const what = JSON.stringify(id.slice(MISSING.length));
    return `throw Object.assign(new Error('Cannot find module ' + ${what}), { code: 'ERR_MODULE_NOT_FOUND' });`;
  },
};

export async function bundle() {
  mkdirSync(out, { recursive: true });
  // Outputs of an earlier build would otherwise pile up (their names carry a content hash).
  rmSync(stampFile, { force: true });
  rmSync(path.join(out, 'lib'), { recursive: true, force: true });
  // The code cache of the previous build's chunks (cli/code-cache.ts) would only go stale.
  rmSync(path.join(out, '.code-cache'), { recursive: true, force: true });
  for (const f of readdirSync(out)) {
    if (f.startsWith('chunk-') || f.startsWith('aios-bundle.')) rmSync(path.join(out, f));
  }

  await build({
    cwd: repo,
    input: { 'aios-bundle': 'cli/main.ts' },
    platform: 'node',
    tsconfig: path.join(repo, 'tsconfig.json'),
    resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
    external,
    plugins: [missingModules],
    // Names imported from a missing module (above) are undefined rather than a build error.
    shimMissingExports: true,
    logLevel: 'warn',
    output: {
      dir: out,
      // CommonJS: node 20 caches compiled code only for what it can hand to vm.Script with cached
      // data (cli/code-cache.ts, decision 181); ES modules always compile from scratch.
      format: 'cjs',
      entryFileNames: '[name].cjs',
      chunkFileNames: (chunk) =>
        chunk.name.startsWith('lib/') ? `${chunk.name}-[hash].cjs` : 'chunk-[name]-[hash].cjs',
      codeSplitting: {
        groups: [
          {
            debugName: 'npm packages',
            name: (id) => {
              const pkg = packageOf(id);
              return pkg ? `lib/${pkg}/${pkg.split('/').pop()}` : null;
            },
          },
        ],
      },
    },
  });
  // What cli/aios.ts compares: the tsc build info's size:mtime, then its sha1 (see there).
  const infoFile = path.join(repo, 'dist/.tsbuildinfo');
  const info = statSync(infoFile, { throwIfNoEntry: false });
  const sha1 = info ? createHash('sha1').update(readFileSync(infoFile)).digest('hex') : '';
  writeFileSync(stampFile, `${info ? `${info.size}:${info.mtimeMs}` : 'none'}\n${sha1}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle();
