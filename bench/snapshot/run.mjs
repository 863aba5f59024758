// Snapshot benchmark: aios's store vs `restic backup` vs etckeeper-style `git add -A && git commit`,
// plus the floors (walk+lstat of the tree, reading every file), on three trees: this machine's /etc
// (read only: first and no-change snapshots read it in place; changes and restores use a copy), a
// generated /etc-like tree of 3000 files, and one 10x larger. Everything it writes is under one
// mkdtemp dir, removed at the end.
//   node bench/snapshot/run.mjs [--reps N] [--skip-large] [--only etc|gen3k|gen30k] [--json out.json]
// Needs a build (npx tsc -p tsconfig.build.json), restic and git on PATH.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { openSnapshotStore } = await import(path.join(repo, 'dist/src/recovery/snapshot-store.js'));

const argv = process.argv.slice(2);
const reps = Number(argv[argv.indexOf('--reps') + 1]) || 3;
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const skipLarge = argv.includes('--skip-large');
const jsonOut = argv.includes('--json') ? argv[argv.indexOf('--json') + 1] : undefined;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-bench-snapshot-'));
const env = {
  ...process.env,
  RESTIC_PASSWORD: 'bench',
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@b',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@b',
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r;
}

function timeProc(cmd, args, opts = {}) {
  const t = performance.now();
  sh(cmd, args, opts);
  return performance.now() - t;
}

/** Deterministic /etc-like tree: mostly small text files, some larger, dirs up to depth 4, symlinks. */
function generate(dir, files) {
  let seed = 42;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const dirs = [dir];
  const nDirs = Math.max(10, Math.floor(files / 10));
  for (let i = 0; i < nDirs; i++) {
    const parent = dirs[Math.floor(rnd() * dirs.length)];
    const d = path.join(parent, `conf${i}.d`);
    if (d.split('/').length - dir.split('/').length > 4) continue;
    fs.mkdirSync(d, { recursive: true });
    dirs.push(d);
  }
  const line = 'option_name = some value # a comment explaining the option\n';
  for (let i = 0; i < files; i++) {
    const parent = dirs[Math.floor(rnd() * dirs.length)];
    const r = rnd();
    const size = r < 0.7 ? 100 + rnd() * 1900 : r < 0.95 ? 2000 + rnd() * 14000 : 16000 + rnd() * 180000;
    const f = path.join(parent, `file${i}.conf`);
    if (rnd() < 0.05 && i > 0) {
      fs.symlinkSync(`file${i - 1}.conf`, f);
      continue;
    }
    fs.writeFileSync(f, `# file ${i}\n${line.repeat(Math.ceil(size / line.length))}`.slice(0, size));
  }
  age(dir);
}

function age(dir) {
  const t = Date.now() / 1000 - 3600;
  const walk = (p) => {
    const st = fs.lstatSync(p);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) walk(path.join(p, n));
    if (!st.isSymbolicLink()) fs.utimesSync(p, t, t);
  };
  walk(dir);
}

function floors(dir) {
  const files = [];
  let entries = 0;
  const walk = (p) => {
    for (const n of fs.readdirSync(p)) {
      const c = path.join(p, n);
      const st = fs.lstatSync(c);
      entries++;
      if (st.isDirectory()) walk(c);
      else if (st.isFile()) files.push(c);
    }
  };
  const lstatMs = [];
  const readMs = [];
  for (let i = 0; i < reps; i++) {
    files.length = 0;
    entries = 0;
    let t = performance.now();
    walk(dir);
    lstatMs.push(performance.now() - t);
    t = performance.now();
    let bytes = 0;
    for (const f of files) {
      try {
        bytes += fs.readFileSync(f).length;
      } catch {}
    }
    readMs.push(performance.now() - t);
    floors.bytes = bytes;
  }
  return { entries, files: files.length, bytes: floors.bytes, lstat: median(lstatMs), read: median(readMs) };
}

function changeFive(_dir, files, round) {
  for (let i = 0; i < 5; i++)
    fs.appendFileSync(files[(i * 97 + round * 13) % files.length], `# change ${round}.${i}\n`);
}

function listFiles(dir) {
  const out = [];
  const walk = (p) => {
    for (const d of fs.readdirSync(p, { withFileTypes: true })) {
      const c = path.join(p, d.name);
      if (d.isDirectory()) walk(c);
      else if (d.isFile()) out.push(c);
    }
  };
  walk(dir);
  return out.filter((f) => {
    try {
      fs.accessSync(f, fs.constants.W_OK);
      return !f.includes('/.git/');
    } catch {
      return false;
    }
  });
}

function writeConfig(dataDir) {
  const file = path.join(work, `config-${createHash('md5').update(dataDir).digest('hex').slice(0, 6)}.toml`);
  fs.writeFileSync(file, `[aios]\ndata_dir = "${dataDir}"\n[recovery]\npaths = ["/etc"]\n`);
  return file;
}

/** One tree: `realEtc` is read in place for first/no-change (root "/"), `root` is a writable copy. */
async function benchTree(name, { realRoot, root }) {
  const etc = path.join(root, 'etc');
  const fl = floors(path.join(realRoot, 'etc'));
  const res = { name, ...fl };
  const aios = { first: [], nochange: [], five: [], restore: [], procFirst: [], procNochange: [] };
  for (let i = 0; i < reps; i++) {
    const storeDir = path.join(work, `${name}-store-${i}`);
    // In process, as the reconciler calls it before an apply (store opened once, like the daemon).
    const live = openSnapshotStore({
      storeDir,
      root: realRoot,
      paths: ['/etc'],
      retention: { maxSnapshots: 0 },
    });
    aios.first.push(await time(() => live.snapshot({ kind: 'pre-apply' })));
    await new Promise((r) => setTimeout(r, 100));
    aios.nochange.push(await time(() => live.snapshot({ kind: 'pre-apply' })));
    live.close();
    fs.rmSync(storeDir, { recursive: true, force: true });
    // Changes and restore on the writable copy.
    const copyStore = path.join(work, `${name}-cstore-${i}`);
    const s = openSnapshotStore({
      storeDir: copyStore,
      root,
      paths: ['/etc'],
      retention: { maxSnapshots: 0 },
    });
    const base = await s.snapshot({ kind: 'pre-apply' });
    await new Promise((r) => setTimeout(r, 100));
    const files = listFiles(etc);
    changeFive(etc, files, i);
    aios.five.push(await time(() => s.snapshot({ kind: 'pre-apply' })));
    changeFive(etc, files, i + 100);
    aios.restore.push(await time(() => s.restore(base.id)));
    s.close();
    fs.rmSync(copyStore, { recursive: true, force: true });
    // Whole process: `aios snapshot` with a temp config.
    const dataDir = path.join(work, `${name}-data-${i}`);
    const cfg = writeConfig(dataDir);
    const cliEnv = {
      ...env,
      AIOS_CONFIG: cfg,
      HOME: work,
      XDG_CONFIG_HOME: path.join(work, 'xdg'),
      AIOS_NO_DAEMON: '1',
    };
    const cliArgs = [path.join(repo, 'dist/cli/aios.js'), 'snapshot', '--root', realRoot];
    aios.procFirst.push(timeProc(process.execPath, cliArgs, { env: cliEnv }));
    await new Promise((r) => setTimeout(r, 100));
    aios.procNochange.push(timeProc(process.execPath, cliArgs, { env: cliEnv }));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  res.runs = { aios };
  res.aios = Object.fromEntries(Object.entries(aios).map(([k, v]) => [k, median(v)]));

  const restic = { first: [], nochange: [], five: [], restore: [] };
  for (let i = 0; i < reps; i++) {
    const repoDir = path.join(work, `${name}-restic-${i}`);
    sh('restic', ['init', '-q', '--repo', repoDir]);
    const b = (dir) => timeProc('restic', ['backup', '-q', '--repo', repoDir, dir]);
    restic.first.push(b(path.join(realRoot, 'etc')));
    restic.nochange.push(b(path.join(realRoot, 'etc')));
    // Changes on the copy: first back the copy up once so the 5-file run is incremental.
    b(etc);
    changeFive(etc, listFiles(etc), i + 200);
    restic.five.push(b(etc));
    const target = path.join(work, `${name}-restic-out-${i}`);
    restic.restore.push(
      timeProc('restic', ['restore', '-q', '--repo', repoDir, 'latest', '--target', target]),
    );
    fs.rmSync(repoDir, { recursive: true, force: true });
    fs.rmSync(target, { recursive: true, force: true });
  }
  res.runs.restic = restic;
  res.restic = Object.fromEntries(Object.entries(restic).map(([k, v]) => [k, median(v)]));

  const git = { first: [], status: [], five: [], restore: [] };
  for (let i = 0; i < reps; i++) {
    // etckeeper keeps .git inside /etc; we never write to the real /etc, so git works on a copy.
    const g = path.join(work, `${name}-git-${i}`);
    execFileSync('cp', ['-a', etc, g]);
    sh('git', ['init', '-q', g]);
    const commit = () => {
      const t = performance.now();
      sh('sh', ['-c', 'git add -A && git commit -q -m snapshot'], { cwd: g, allowFail: true });
      return performance.now() - t;
    };
    git.first.push(commit());
    git.status.push(timeProc('git', ['status', '--porcelain'], { cwd: g }));
    changeFive(g, listFiles(g), i + 300);
    git.five.push(commit());
    changeFive(g, listFiles(g), i + 400);
    git.restore.push(timeProc('sh', ['-c', 'git reset -q --hard HEAD~1 && git clean -q -fd'], { cwd: g }));
    fs.rmSync(g, { recursive: true, force: true });
  }
  res.runs.git = git;
  res.git = Object.fromEntries(Object.entries(git).map(([k, v]) => [k, median(v)]));
  return res;
}

const ms = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`);

function report(r) {
  const lines = [];
  lines.push(`### ${r.name}: ${r.entries} entries, ${r.files} files, ${(r.bytes / 1048576).toFixed(1)} MiB`);
  lines.push('');
  lines.push('| | first | no change | 5 files changed | restore |');
  lines.push('|---|---|---|---|---|');
  lines.push(
    `| aios (in process, pre-apply) | ${ms(r.aios.first)} | ${ms(r.aios.nochange)} | ${ms(r.aios.five)} | ${ms(r.aios.restore)} (5 files, incl. pre-restore snapshot) |`,
  );
  lines.push(
    `| \`aios snapshot\` (whole process) | ${ms(r.aios.procFirst)} | ${ms(r.aios.procNochange)} | | |`,
  );
  lines.push(
    `| \`restic backup\` | ${ms(r.restic.first)} | ${ms(r.restic.nochange)} | ${ms(r.restic.five)} | ${ms(r.restic.restore)} (\`restic restore\`, whole tree to a new dir) |`,
  );
  lines.push(
    `| git (\`add -A && commit\`) | ${ms(r.git.first)} | ${ms(r.git.status)} (\`git status\`) | ${ms(r.git.five)} | ${ms(r.git.restore)} (\`reset --hard HEAD~1 && clean -fd\`) |`,
  );
  lines.push(`| floor: walk+lstat / read all | ${ms(r.lstat)} | | ${ms(r.read)} (read all) | |`);
  lines.push('');
  const goals = [
    [
      'no-change ≤ 2× lstat walk',
      r.aios.nochange <= 2 * r.lstat,
      `${ms(r.aios.nochange)} vs 2×${ms(r.lstat)}`,
    ],
    [
      'no-change ≤ git status',
      r.aios.nochange <= r.git.status,
      `${ms(r.aios.nochange)} vs ${ms(r.git.status)}`,
    ],
    [
      'first ≥ 2× faster than git',
      r.aios.first * 2 <= r.git.first,
      `${(r.git.first / r.aios.first).toFixed(1)}×`,
    ],
    [
      'first ≥ 4× faster than restic',
      r.aios.first * 4 <= r.restic.first,
      `${(r.restic.first / r.aios.first).toFixed(1)}×`,
    ],
    ['5 changed ≤ git commit', r.aios.five <= r.git.five, `${ms(r.aios.five)} vs ${ms(r.git.five)}`],
    [
      '`aios snapshot` ≥ 3× faster than restic (first)',
      r.aios.procFirst * 3 <= r.restic.first,
      `${(r.restic.first / r.aios.procFirst).toFixed(1)}×`,
    ],
    [
      '`aios snapshot` ≥ 3× faster than restic (no change)',
      r.aios.procNochange * 3 <= r.restic.nochange,
      `${(r.restic.nochange / r.aios.procNochange).toFixed(1)}×`,
    ],
  ];
  for (const [goal, ok, detail] of goals) lines.push(`- ${ok ? 'met' : '**missed**'}: ${goal} (${detail})`);
  lines.push('');
  return lines.join('\n');
}

try {
  const trees = [];
  const results = [];
  if (!only || only === 'etc') {
    // /etc in place for reads; a copy (cp -a keeps modes, owners, mtimes) for writes.
    const copyRoot = path.join(work, 'etc-copy-root');
    fs.mkdirSync(copyRoot);
    execFileSync('cp', ['-a', '/etc', path.join(copyRoot, 'etc')]);
    trees.push(["this machine's /etc", { realRoot: '/', root: copyRoot }]);
  }
  for (const [key, n] of [
    ['gen3k', 3000],
    ['gen30k', 30000],
  ]) {
    if (only && only !== key) continue;
    if (key === 'gen30k' && skipLarge) continue;
    const root = path.join(work, key);
    generate(path.join(root, 'etc'), n);
    trees.push([`generated /etc-like tree (${n} files)`, { realRoot: root, root }]);
  }
  const out = [
    `Measured ${new Date().toISOString()} on ${os.cpus().length} CPU(s), load ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; median of ${reps}.`,
    '',
  ];
  for (const [name, t] of trees) {
    await new Promise((r) => setTimeout(r, 200));
    const r = await benchTree(name, t);
    results.push(r);
    out.push(report(r));
    process.stderr.write(`${name} done\n`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  // Every run of every tool, for bench/run's report (medians alone lose the min–max).
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ reps, trees: results }, null, 2));
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
