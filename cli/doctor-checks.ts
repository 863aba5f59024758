// The checks of `aios doctor`, each returning ok/warn/fail/skip with what to fix: config, paths and
// permissions, the daemon's socket, the memory db (integrity_check and the audit chain), the snapshot
// store (verify), bubblewrap, policies, specs, provider reachability. A check that throws becomes a
// fail naming the error; checks that need a loaded config are skipped when it does not load. Reads
// only (the snapshot store's open takes its lock and clears its own temp files, as every reader does).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ConfigValidationError, homeDir, type LoadedConfig, loadConfig } from '../src/config/load-config.js';
import { type EffectivePaths, effectivePaths, SYSTEM_DIR } from '../src/config/paths.js';
import { ValidationError } from '../src/errors.js';
import { spawnRunner } from '../src/host/process-runner.js';
import { RootPath } from '../src/host/root-path.js';
import { probeSandbox } from '../src/host/sandbox.js';
import {
  type CheckResult,
  judgeConfigSecret,
  judgePath,
  type PathExpectation,
  type StatFacts,
} from './doctor-perms.js';
import { isProbe, probeProvider, providerProbes } from './doctor-provider.js';
import { serviceResults } from './doctor-service.js';
import { runtimeScript } from './package-files.js';

export interface DoctorOptions {
  config?: string | undefined;
  root?: string | undefined;
  env: NodeJS.ProcessEnv;
  uid: number;
}

interface Ctx {
  loaded: LoadedConfig;
  paths: EffectivePaths;
  /** The tree of a system installation (its /etc/aios/config.toml is the config), else undefined. */
  systemRoot?: RootPath;
  env: NodeJS.ProcessEnv;
  uid: number;
}

function problemLines(error: unknown): string[] {
  if (error instanceof ValidationError) return error.problems.map((p) => p.message);
  return [(error as Error).message];
}

function statFacts(p: string): StatFacts | undefined {
  try {
    const st = fs.statSync(p);
    return { isFile: st.isFile(), isDirectory: st.isDirectory(), mode: st.mode, uid: st.uid };
  } catch {
    return undefined;
  }
}

/**
 * `--root DIR` without `--config` checks the system installation inside DIR (what `aios init
 * --system --root DIR` made): its /etc/aios/config.toml, and every path of it under DIR.
 */
async function loadForDoctor(opts: DoctorOptions): Promise<{ loaded: LoadedConfig; paths: EffectivePaths }> {
  if (opts.root !== undefined && opts.config === undefined) {
    const root = new RootPath(opts.root);
    const file = root.real(path.join(SYSTEM_DIR, 'config.toml'));
    const loaded = await loadConfig({ configPath: file, env: opts.env, flags: { root: opts.root } });
    const p = effectivePaths(loaded, opts.env, { uid: 0, systemDirExists: true });
    const inRoot = (x: string) => (x === root.root || x.startsWith(`${root.root}/`) ? x : root.real(x));
    const mapped: EffectivePaths = {
      ...p,
      dataDir: inRoot(p.dataDir),
      memoryPath: inRoot(p.memoryPath),
      specsDir: inRoot(p.specsDir),
      policiesDirs: [...new Set(p.policiesDirs.map(inRoot))],
      snapshotsDir: inRoot(p.snapshotsDir),
      socketPath: inRoot(p.socketPath),
    };
    if (p.pluginsDir) mapped.pluginsDir = inRoot(p.pluginsDir);
    return { loaded, paths: mapped };
  }
  const loaded = await loadConfig({ configPath: opts.config, env: opts.env, flags: { root: opts.root } });
  return { loaded, paths: effectivePaths(loaded, opts.env) };
}

async function guarded(id: string, fn: () => Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await fn();
  } catch (error) {
    return [
      { id, status: 'fail', message: `${id}: ${(error as Error).message}`, details: problemLines(error) },
    ];
  }
}

export async function runDoctor(opts: DoctorOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let ctx: Ctx | undefined;
  try {
    const { loaded, paths } = await loadForDoctor(opts);
    ctx = { loaded, paths, env: opts.env, uid: opts.uid };
    const systemRoot = new RootPath(opts.config === undefined ? (opts.root ?? '/') : '/');
    if (paths.configFile === systemRoot.real(path.join(SYSTEM_DIR, 'config.toml')))
      ctx.systemRoot = systemRoot;
    results.push(...configResults(loaded));
  } catch (error) {
    const lines = problemLines(error);
    results.push({
      id: 'config',
      status: 'fail',
      message: `config does not load: ${lines[0] ?? 'invalid'}${lines.length > 1 ? ` (and ${lines.length - 1} more)` : ''}`,
      fix: 'edit the file at the line named, then `aios config validate`',
      details: [
        ...lines,
        ...(error instanceof ConfigValidationError ? error.warnings.map((w) => `warning: ${w}`) : []),
      ],
    });
  }
  if (!ctx) {
    for (const id of [
      'paths',
      'socket',
      'memory',
      'snapshots',
      'sandbox',
      'policies',
      'specs',
      'providers',
    ]) {
      results.push({ id, status: 'skip', message: `${id}: not checked (the config does not load)` });
    }
    return results;
  }
  const c = ctx;
  results.push(...pathResults(c));
  if (c.systemRoot) {
    const root = c.systemRoot;
    results.push(...(await guarded('service', async () => serviceResults(root, thisRuntime()))));
  }
  results.push(...(await guarded('socket', () => socketResults(c))));
  results.push(...(await guarded('memory', () => memoryResults(c))));
  results.push(...(await guarded('snapshots', () => snapshotResults(c))));
  results.push(...(await guarded('sandbox', () => sandboxResults(c))));
  results.push(...(await guarded('policies', () => policyResults(c))));
  results.push(...(await guarded('specs', () => specResults(c))));
  results.push(...(await guarded('providers', () => providerResults(c))));
  return results;
}

function configResults(loaded: LoadedConfig): CheckResult[] {
  const out: CheckResult[] = [];
  const file = loaded.files[loaded.files.length - 1];
  out.push(
    file
      ? { id: 'config', status: 'ok', message: `config loads: ${loaded.files.join(', ')}` }
      : {
          id: 'config',
          status: 'warn',
          message: 'no config file found: running on built-in defaults',
          fix: 'run `aios init` (or give --config)',
        },
  );
  if (loaded.warnings.length > 0) {
    out.push({
      id: 'config',
      status: 'warn',
      message: `config has ${loaded.warnings.length} warning${loaded.warnings.length === 1 ? '' : 's'}: ${loaded.warnings[0]}`,
      fix: 'remove or correct the keys named (unknown keys are ignored)',
      details: loaded.warnings,
    });
  }
  return out;
}

function pathResults(c: Ctx): CheckResult[] {
  const { paths, loaded } = c;
  const exps: PathExpectation[] = [];
  if (paths.configFile) {
    exps.push({ label: 'config file', path: paths.configFile, kind: 'file', role: 'input', required: true });
    exps.push({
      label: 'config dir',
      path: path.dirname(paths.configFile),
      kind: 'dir',
      role: 'input',
      required: true,
    });
  }
  exps.push({
    label: 'specs dir',
    path: paths.specsDir,
    kind: 'dir',
    role: 'input',
    required: false,
    missingFix: 'run `aios init`, or set [controller] specs_dir',
  });
  // The first policy dir is the configured/system one; `policies/` beside the config is optional.
  paths.policiesDirs.forEach((dir, i) => {
    if (i === 0 || fs.existsSync(dir)) {
      exps.push({
        label: i === 0 ? 'policies dir' : 'policies dir (beside config)',
        path: dir,
        kind: 'dir',
        role: 'input',
        required: false,
      });
    }
  });
  if (paths.pluginsDir)
    exps.push({ label: 'plugins dir', path: paths.pluginsDir, kind: 'dir', role: 'input', required: true });
  exps.push({ label: 'data dir', path: paths.dataDir, kind: 'dir', role: 'private', required: false });
  if (fs.existsSync(paths.memoryPath)) {
    exps.push({ label: 'memory db', path: paths.memoryPath, kind: 'file', role: 'private', required: false });
  }
  if (fs.existsSync(paths.snapshotsDir)) {
    exps.push({
      label: 'snapshot store',
      path: paths.snapshotsDir,
      kind: 'dir',
      role: 'private',
      required: false,
    });
  }
  const out: CheckResult[] = [];
  for (const e of exps) {
    // The system policies dir is optional for a user install (its own sits beside the config).
    if (
      e.label === 'policies dir' &&
      !fs.existsSync(e.path) &&
      e.path === path.join(SYSTEM_DIR, 'policies')
    ) {
      out.push({
        id: 'path:policies dir',
        status: 'skip',
        message: `policies dir ${e.path} not present (optional)`,
      });
      continue;
    }
    out.push(judgePath(e, statFacts(e.path), c.uid));
  }
  if (paths.configFile) {
    const st = statFacts(paths.configFile);
    const llm = loaded.config.llm;
    const holdsKey =
      loaded.files.some((f) => f === paths.configFile) &&
      Boolean(llm.openai.api_key || llm.anthropic.api_key || llm.ollama.api_key);
    const secret = st ? judgeConfigSecret(paths.configFile, st, holdsKey) : undefined;
    if (secret) out.push(secret);
  }
  return out;
}

async function socketResults(c: Ctx): Promise<CheckResult[]> {
  const sock = c.paths.socketPath;
  const dir = path.dirname(sock);
  const out: CheckResult[] = [];
  const dirSt = statFacts(dir);
  if (!dirSt) {
    out.push({
      id: 'socket',
      status: 'warn',
      message: `socket dir ${dir} does not exist (the daemon makes it, root-only)`,
      fix: 'run `aios init` (system installs: systemd-tmpfiles --create recreates /run/aios at boot)',
    });
    return out;
  }
  if ((dirSt.mode & 0o002) !== 0 && (dirSt.mode & 0o1000) === 0) {
    out.push({
      id: 'socket',
      status: 'fail',
      message: `socket dir ${dir} is world-writable without the sticky bit: anyone could replace the socket`,
      fix: `chmod o-w ${dir}`,
    });
    return out;
  }
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(sock);
  } catch {
    st = undefined;
  }
  if (!st) {
    out.push({
      id: 'socket',
      status: 'ok',
      message: `daemon not running (no socket at ${sock}); ${startHint(c)}`,
    });
    return out;
  }
  if (!st.isSocket()) {
    out.push({
      id: 'socket',
      status: 'fail',
      message: `${sock} exists and is not a socket: the daemon refuses to start`,
      fix: `move ${sock} aside`,
    });
    return out;
  }
  // Connecting to a Unix socket needs write permission on it: o+w is what opens it to everyone.
  if ((st.mode & 0o002) !== 0) {
    out.push({
      id: 'socket',
      status: 'fail',
      message: `socket ${sock} is open to every user (mode ${(st.mode & 0o777).toString(8)})`,
      fix: 'restart the daemon (it sets 0600, or 0660 group aios as root)',
    });
    return out;
  }
  const reach = await connectOutcome(sock, 500);
  if (reach === 'EACCES' || reach === 'EPERM') {
    out.push({
      id: 'socket',
      status: 'warn',
      message: `${sock} is there but you may not connect to it (${reach}): the daemon runs, for root and group aios only`,
      fix: 'run as root, or join the group: usermod -aG aios $USER (then log in again)',
    });
    return out;
  }
  if (reach === 'connected') {
    let pid = '';
    try {
      const { callDaemon } = await import('../src/runtime/rpc-client.js');
      const status = (await callDaemon(sock, 'status', {}, { timeoutMs: 2000 })) as { pid?: number };
      if (status.pid) pid = ` (pid ${status.pid})`;
    } catch {
      // answering the connection is what this check is about; status details are a bonus
    }
    out.push({ id: 'socket', status: 'ok', message: `daemon answers on ${sock}${pid}` });
    return out;
  }
  out.push({
    id: 'socket',
    status: 'warn',
    message: `stale socket ${sock}: nothing answers (the daemon died without removing it)`,
    fix: `start the daemon (it removes a stale socket of its own), or rm ${sock}`,
  });
  return out;
}

/** 'connected', or why not (errno code, 'timeout'): a refused connection and a forbidden one differ. */
function connectOutcome(sock: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(sock);
    const done = (v: string) => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(timeoutMs, () => done('timeout'));
    s.once('connect', () => done('connected'));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'error'));
  });
}

function thisRuntime(): string | undefined {
  try {
    return fs.realpathSync(runtimeScript());
  } catch {
    return undefined;
  }
}

function startHint(c: Ctx): string {
  return c.paths.configFile?.endsWith('/etc/aios/config.toml')
    ? 'start it: systemctl start aios-runtime'
    : 'start it: aios-runtime';
}

async function memoryResults(c: Ctx): Promise<CheckResult[]> {
  const file = c.paths.memoryPath;
  if (!fs.existsSync(file)) {
    return [
      { id: 'memory', status: 'ok', message: `memory db not created yet (${file}; made on first use)` },
    ];
  }
  const fix = `move ${file} aside (the next command starts a new one) or restore it from a snapshot (\`aios snapshots\`: each holds a copy)`;
  const { openMemory } = await import('../src/memory/memory-store.js');
  let mem: ReturnType<typeof openMemory>;
  try {
    mem = openMemory(file, { readonly: true, busyTimeoutMs: 2000 });
  } catch (error) {
    return [
      {
        id: 'memory',
        status: 'fail',
        message: `memory db cannot be opened: ${(error as Error).message}`,
        fix,
      },
    ];
  }
  try {
    const rows = mem.db.pragma('integrity_check') as { integrity_check: string }[];
    const lines = rows.map((r) => r.integrity_check);
    if (lines.length !== 1 || lines[0] !== 'ok') {
      return [
        {
          id: 'memory',
          status: 'fail',
          message: `memory db ${file} is corrupt: ${lines[0] ?? 'integrity_check failed'}`,
          fix,
          details: lines.slice(0, 20),
        },
      ];
    }
    const audit = mem.verifyAudit();
    if (!audit.ok) {
      return [
        { id: 'memory', status: 'ok', message: `memory db ${file}: integrity ok` },
        {
          id: 'audit',
          status: 'fail',
          message: `audit chain broken at seq ${audit.firstBrokenSeq}: ${audit.reason}`,
          fix: 'someone edited or removed audit rows; keep the file as evidence, compare with a snapshot copy (`aios snapshots`)',
        },
      ];
    }
    return [
      { id: 'memory', status: 'ok', message: `memory db ${file}: integrity ok` },
      { id: 'audit', status: 'ok', message: `audit chain verifies (${audit.count} rows)` },
    ];
  } catch (error) {
    return [{ id: 'memory', status: 'fail', message: `memory db ${file}: ${(error as Error).message}`, fix }];
  } finally {
    mem.close();
  }
}

async function snapshotResults(c: Ctx): Promise<CheckResult[]> {
  const dir = c.paths.snapshotsDir;
  if (!fs.existsSync(path.join(dir, 'index.db'))) {
    return [
      {
        id: 'snapshots',
        status: 'ok',
        message: `no snapshot store yet (${dir}; made by the first snapshot)`,
      },
    ];
  }
  const { openSnapshotStore } = await import('../src/recovery/snapshot-store.js');
  const { storeOptionsFromConfig } = await import('../src/recovery/store-config.js');
  const store = openSnapshotStore(storeOptionsFromConfig(c.loaded.config, c.paths));
  try {
    const r = await store.verify();
    if (r.problems.length > 0) {
      return [
        {
          id: 'snapshots',
          status: 'fail',
          message: `snapshot store ${dir} has ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}: ${r.problems[0]}`,
          fix: '`aios snapshot verify` lists them; `aios snapshot delete ID` drops a broken snapshot',
          details: r.problems.slice(0, 20),
        },
      ];
    }
    return [
      {
        id: 'snapshots',
        status: 'ok',
        message: `snapshot store verifies: ${r.snapshots} snapshots, ${r.objects} objects`,
      },
    ];
  } finally {
    store.close();
  }
}

async function sandboxResults(c: Ctx): Promise<CheckResult[]> {
  if (!c.loaded.config.security.sandbox) {
    return [{ id: 'sandbox', status: 'skip', message: 'bubblewrap not needed ([security] sandbox = false)' }];
  }
  const s = await probeSandbox(spawnRunner);
  return s.available
    ? [{ id: 'sandbox', status: 'ok', message: 'bubblewrap runs ([security] sandbox = true)' }]
    : [
        {
          id: 'sandbox',
          status: 'fail',
          message: `[security] sandbox = true but ${s.reason}`,
          fix: 'apt-get install bubblewrap, or set [security] sandbox = false',
        },
      ];
}

async function policyResults(c: Ctx): Promise<CheckResult[]> {
  const { loadPolicies, allRules } = await import('../src/policy/policy-loader.js');
  try {
    const loaded = loadPolicies({ dirs: c.paths.policiesDirs, home: homeDir(c.env) });
    const mode = c.loaded.config.security.mode;
    if (!loaded.presets.has(mode)) {
      return [
        {
          id: 'policies',
          status: 'fail',
          message: `no preset for [security] mode = "${mode}"`,
          fix: 'reinstall aios (its policies/ directory is incomplete)',
        },
      ];
    }
    return [
      {
        id: 'policies',
        status: 'ok',
        message: `policies load: ${allRules(loaded).length} rules from ${loaded.files.length} files (mode ${mode}; ${loaded.user.length} of your own)`,
      },
    ];
  } catch (error) {
    const lines = problemLines(error);
    return [
      {
        id: 'policies',
        status: 'fail',
        message: `policies do not load: ${lines[0]}`,
        fix: 'fix the rule at the line named, then `aios policy test`',
        details: lines,
      },
    ];
  }
}

async function specResults(c: Ctx): Promise<CheckResult[]> {
  const { loadSpecs } = await import('../src/specs/load-specs.js');
  try {
    const specs = await loadSpecs(c.paths.specsDir);
    return [
      {
        id: 'specs',
        status: 'ok',
        message: `specs load: ${specs.resources.length} resources in ${specs.files.length} files (${c.paths.specsDir})`,
      },
    ];
  } catch (error) {
    const lines = problemLines(error);
    return [
      {
        id: 'specs',
        status: 'fail',
        message: `specs do not load: ${lines[0]}`,
        fix: 'fix the spec at the line named, then `aios diff`',
        details: lines,
      },
    ];
  }
}

async function providerResults(c: Ctx): Promise<CheckResult[]> {
  const probes = providerProbes(c.loaded.config, c.env);
  if (probes.length === 0) {
    return [
      {
        id: 'providers',
        status: 'skip',
        message: 'no LLM provider has an API key: not checked (aios chat and intents need one)',
      },
    ];
  }
  return Promise.all(probes.map((p) => (isProbe(p) ? probeProvider(p) : Promise.resolve(p))));
}
