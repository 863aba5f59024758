// End to end: the built CLI (`node dist/cli/aios.js`, built by `npm test`) with a temp HOME, XDG dir
// and AIOS_CONFIG, so the real /root/.config and any /etc/aios are never read for these cases.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_EXAMPLE, SHIPPED_EXAMPLE, tempDir, writeFile } from './helpers.js';

const aios = path.resolve('dist/cli/aios.js');

function run(args: string[], env: NodeJS.ProcessEnv, cwd?: string) {
  // Only PATH from the outside: no AIOS_ variable of the developer's shell leaks in. History is off:
  // these tests are about config, and skipping the SQLite write keeps them fast on a shared machine.
  const r = spawnSync(process.execPath, [aios, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, NO_COLOR: '1', AIOS_NO_HISTORY: '1', ...env },
    ...(cwd ? { cwd } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function homeEnv(dir: string): NodeJS.ProcessEnv {
  return { HOME: path.join(dir, 'home'), XDG_CONFIG_HOME: path.join(dir, 'xdg') };
}

const etcHasConfig = fs.existsSync('/etc/aios/config.toml');

describe('aios config show', () => {
  it('prints each value with the file line it came from', () => {
    const dir = tempDir();
    const r = run(['config', 'show'], { ...homeEnv(dir), AIOS_CONFIG: SHARED_EXAMPLE });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`# config files (lowest precedence first): ${SHARED_EXAMPLE}`);
    expect(r.stdout).toMatch(new RegExp(`^model = "gpt-4" +# ${SHARED_EXAMPLE}:11$`, 'm'));
    expect(r.stdout).toMatch(/^resync_interval = "5m" +# default$/m);
    expect(r.stdout).toMatch(/^\[llm\.openai\]$/m);
    expect(r.stderr).toBe('');
  });

  it('names the env var and the flag that set a value', () => {
    const dir = tempDir();
    const r = run(['config', 'show', '--root', path.join(dir, 'sandbox')], {
      ...homeEnv(dir),
      AIOS_CONFIG: SHARED_EXAMPLE,
      AIOS_SECURITY__MODE: 'paranoid',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^mode = "paranoid" +# env AIOS_SECURITY__MODE$/m);
    expect(r.stdout).toMatch(new RegExp(`^root = "${dir}/sandbox" +# flag --root$`, 'm'));
  });

  it('finds the user file through XDG_CONFIG_HOME', () => {
    const dir = tempDir();
    const file = writeFile(dir, 'xdg/aios/config.toml', '[llm]\nmax_steps = 9\n');
    const r = run(['config', 'show', '--json'], homeEnv(dir));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      files: string[];
      values: Record<string, { value: unknown; from: string }>;
      paths: { memoryPath: string };
    };
    if (!etcHasConfig) expect(out.files).toEqual([file]);
    expect(out.values['llm.max_steps']).toMatchObject({ value: 9, from: `${file}:2` });
  });

  it('prefers --config over AIOS_CONFIG', () => {
    const dir = tempDir();
    const a = writeFile(dir, 'a.toml', '[llm]\nmax_steps = 1\n');
    const b = writeFile(dir, 'b.toml', '[llm]\nmax_steps = 2\n');
    const r = run(['config', 'show', '--json', '--config', b], { ...homeEnv(dir), AIOS_CONFIG: a });
    const out = JSON.parse(r.stdout) as { files: string[]; config: { llm: { max_steps: number } } };
    expect(out.files).toEqual([b]);
    expect(out.config.llm.max_steps).toBe(2);
  });

  it('masks API keys in text and JSON output', () => {
    const dir = tempDir();
    const key = 'sk-proj-abcdefghijklmnop0123456789';
    const file = writeFile(dir, 'c.toml', `[llm.openai]\napi_key = "${key}"\n`);
    for (const args of [
      ['config', 'show'],
      ['config', 'show', '--json'],
    ]) {
      const r = run([...args, '--config', file], homeEnv(dir));
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(key);
      expect(r.stdout).toContain('****6789');
    }
  });

  it('prints unknown-key warnings on stderr and still shows the config', () => {
    const dir = tempDir();
    const file = writeFile(dir, 'c.toml', '[aios]\ncolor = "blue"\n');
    const r = run(['config', 'show', '--config', file], homeEnv(dir));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: ${file}:2: unknown key aios.color in [aios] (ignored)`);
  });

  it('fails with exit 1 on a broken file instead of showing defaults, keeping the warnings', () => {
    const dir = tempDir();
    const file = writeFile(dir, 'c.toml', '[security]\nmode = 5\nshiny = true\n');
    const r = run(['config', 'show'], { ...homeEnv(dir), AIOS_CONFIG: file });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}:2 (security.mode): expected one of`);
    expect(r.stderr).toContain(`warning: ${file}:3: unknown key security.shiny in [security] (ignored)`);
  });

  it('fails with a message naming a badly typed env var', () => {
    const dir = tempDir();
    const r = run(['config', 'show'], {
      ...homeEnv(dir),
      AIOS_CONFIG: SHARED_EXAMPLE,
      AIOS_LLM__MAX_STEPS: 'lots',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('environment variable AIOS_LLM__MAX_STEPS: expected a number, got "lots"');
  });
});

describe('aios config validate', () => {
  it.skipIf(etcHasConfig)('says the built-in defaults are in effect when no file exists', () => {
    const dir = tempDir();
    const r = run(['config', 'validate'], homeEnv(dir));
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('config ok: no config file (built-in defaults)');
    const show = run(['config', 'show'], homeEnv(dir));
    expect(show.stdout).toContain('# no config file found: built-in defaults');
    expect(show.stdout).toMatch(/^mode = "normal" +# default$/m);
  });

  it('accepts the seed example and the shipped example', () => {
    const dir = tempDir();
    for (const file of [SHARED_EXAMPLE, SHIPPED_EXAMPLE]) {
      const r = run(['config', 'validate', file], homeEnv(dir));
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(`config ok: ${file}`);
    }
  });

  it('reports every error at once with file, line, key and expected type, plus warnings', () => {
    const dir = tempDir();
    const file = writeFile(
      dir,
      'bad.toml',
      '[recovery]\nmax_snapshots = "many"\nsnapshot_interval = "sometimes"\nshiny = true\n[security]\napproval_timeout = 5\n',
    );
    const r = run(['config', 'validate', file], homeEnv(dir));
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      `error: ${file}:2 (recovery.max_snapshots): expected a number, got a string ("many")`,
      `error: ${file}:3 (recovery.snapshot_interval): "sometimes" is not a schedule (use "hourly", "daily", "weekly", a duration like "15m", or a 5/6-field cron expression)`,
      `error: ${file}:6 (security.approval_timeout): expected a string, got an integer (5)`,
      `warning: ${file}:4: unknown key recovery.shiny in [recovery] (ignored)`,
      'config invalid: 3 errors',
    ]);
  });

  it('reports a TOML syntax error with its line and column', () => {
    const dir = tempDir();
    const file = writeFile(dir, 'bad.toml', '[aios]\ndata_dir = "/x"\n[llm\n');
    const r = run(['config', 'validate', file], homeEnv(dir));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^error: ${file}:3:\\d+: TOML syntax error`, 'm'));
    // The offending line is quoted with a caret under the column.
    expect(r.stderr).toContain('    3:  [llm');
    expect(r.stderr).toMatch(/^ +\^$/m);
  });

  it('judges a named file alone, without env overrides; the effective config with them', () => {
    const dir = tempDir();
    const env = { ...homeEnv(dir), AIOS_CONFIG: SHARED_EXAMPLE, AIOS_SECURITY__MODE: 'nonsense' };
    expect(run(['config', 'validate', SHARED_EXAMPLE], env).code).toBe(0);
    const effective = run(['config', 'validate'], env);
    expect(effective.code).toBe(1);
    expect(effective.stderr).toContain('AIOS_SECURITY__MODE');
  });

  it('says when a named file does not exist', () => {
    const dir = tempDir();
    const r = run(['config', 'validate', 'missing.toml'], homeEnv(dir), dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path.join(dir, 'missing.toml')}: config file not found`);
  });

  it('gives machine-readable results with --json', () => {
    const dir = tempDir();
    const file = writeFile(dir, 'bad.toml', '[llm]\nmax_steps = true\n');
    const r = run(['config', 'validate', file, '--json'], homeEnv(dir));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      valid: false,
      files: [],
      errors: [
        {
          message: `${file}:2 (llm.max_steps): expected a number, got a boolean (true)`,
          file,
          line: 2,
          key: 'llm.max_steps',
        },
      ],
      warnings: [],
    });
  });
});

describe('start-up cost', () => {
  const tracer = path.resolve('test/fixtures/trace-imports.mjs');
  function traced(args: string[], env: NodeJS.ProcessEnv): { code: number | null; modules: string[] } {
    const file = path.join(tempDir('aios-trace-'), 'imports.txt');
    const r = spawnSync(process.execPath, ['--import', tracer, aios, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, AIOS_TRACE_FILE: file, AIOS_NO_HISTORY: '1', ...env },
    });
    return { code: r.status, modules: fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) };
  }

  it('shows a valid config without loading zod', () => {
    const dir = tempDir();
    const r = traced(['config', 'show'], { ...homeEnv(dir), AIOS_CONFIG: SHIPPED_EXAMPLE });
    expect(r.code).toBe(0);
    // The command ran: its module, or its chunk of the bundled CLI (scripts/bundle.mjs).
    expect(r.modules.some((m) => /\/(chunk-)?config-show(-[\w-]+)?\.c?js$/.test(m))).toBe(true);
    expect(r.modules.filter((m) => m.includes('/zod/'))).toEqual([]);
  });

  it('loads zod to explain an invalid config', () => {
    const dir = tempDir();
    const file = writeFile(dir, 'bad.toml', '[llm]\nmax_steps = "x"\n');
    const r = traced(['config', 'validate', file], homeEnv(dir));
    expect(r.code).toBe(1);
    expect(r.modules.some((m) => m.includes('/zod/'))).toBe(true);
  });
});
