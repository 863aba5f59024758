import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigValidationError,
  configCandidates,
  type LoadConfigOptions,
  loadConfig,
  userConfigPath,
} from '../../src/config/load-config.js';
import { ValidationError } from '../../src/errors.js';
import { isolatedEnv, SHARED_EXAMPLE, SHIPPED_EXAMPLE, tempDir, writeFile } from './helpers.js';

/** Options that read only inside `dir`: the "system" file is dir/etc/aios/config.toml. */
function opts(dir: string, more: LoadConfigOptions = {}): LoadConfigOptions {
  return {
    systemConfigPath: path.join(dir, 'etc/aios/config.toml'),
    env: isolatedEnv(dir),
    cwd: dir,
    ...more,
    ...(more.env ? { env: { ...isolatedEnv(dir), ...more.env } } : {}),
  };
}

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ValidationError) return error.problems.map((p) => p.message);
    throw error;
  }
  throw new Error('expected the config to fail');
}

describe('config lookup', () => {
  it('uses built-in defaults when no file exists', async () => {
    const dir = tempDir();
    const loaded = await loadConfig(opts(dir));
    expect(loaded.files).toEqual([]);
    expect(loaded.config.security.mode).toBe('normal');
    expect(loaded.config.controller.resync_interval).toBe('5m');
    expect(loaded.origins['security.mode']).toEqual({ source: 'default' });
  });

  it('layers the user file over the system file', async () => {
    const dir = tempDir();
    const sys = writeFile(dir, 'etc/aios/config.toml', '[security]\nmode = "safe"\nsandbox = true\n');
    const user = writeFile(dir, 'home/.config/aios/config.toml', '[security]\nmode = "paranoid"\n');
    const loaded = await loadConfig(opts(dir));
    expect(loaded.files).toEqual([sys, user]);
    expect(loaded.config.security.mode).toBe('paranoid');
    expect(loaded.config.security.sandbox).toBe(true);
    expect(loaded.origins['security.mode']).toEqual({ source: 'file', file: user, line: 2 });
    expect(loaded.origins['security.sandbox']).toEqual({ source: 'file', file: sys, line: 3 });
  });

  it('finds the user file through XDG_CONFIG_HOME, else ~/.config', () => {
    expect(userConfigPath({ HOME: '/h', XDG_CONFIG_HOME: '/x' })).toBe('/x/aios/config.toml');
    expect(userConfigPath({ HOME: '/h' })).toBe('/h/.config/aios/config.toml');
    expect(userConfigPath({ HOME: '/h', XDG_CONFIG_HOME: 'relative' })).toBe('/h/.config/aios/config.toml');
  });

  it('reads only $AIOS_CONFIG when it is set', async () => {
    const dir = tempDir();
    writeFile(dir, 'etc/aios/config.toml', '[security]\nmode = "safe"\n');
    writeFile(dir, 'home/.config/aios/config.toml', '[security]\nmode = "paranoid"\n');
    const named = writeFile(dir, 'named.toml', '[security]\nmode = "trusted"\n');
    const loaded = await loadConfig(opts(dir, { env: { AIOS_CONFIG: named } }));
    expect(loaded.files).toEqual([named]);
    expect(loaded.config.security.mode).toBe('trusted');
  });

  it('treats an empty $AIOS_CONFIG as unset', async () => {
    const dir = tempDir();
    const user = writeFile(dir, 'home/.config/aios/config.toml', '[llm]\nmax_steps = 3\n');
    const loaded = await loadConfig(opts(dir, { env: { AIOS_CONFIG: '' } }));
    expect(loaded.files).toEqual([user]);
  });

  it('prefers --config over $AIOS_CONFIG', async () => {
    const dir = tempDir();
    const viaEnv = writeFile(dir, 'env.toml', '[security]\nmode = "trusted"\n');
    const viaFlag = writeFile(dir, 'flag.toml', '[security]\nmode = "safe"\n');
    const loaded = await loadConfig(opts(dir, { configPath: 'flag.toml', env: { AIOS_CONFIG: viaEnv } }));
    expect(loaded.files).toEqual([viaFlag]);
    expect(loaded.config.security.mode).toBe('safe');
    expect(configCandidates({ configPath: 'x.toml', cwd: '/c' })).toEqual([
      { file: '/c/x.toml', required: true, via: '--config' },
    ]);
  });

  it('says so when a named file does not exist, instead of using defaults', async () => {
    const dir = tempDir();
    const problems = await problemsOf(loadConfig(opts(dir, { configPath: 'nope.toml' })));
    expect(problems).toEqual([`${path.join(dir, 'nope.toml')}: config file not found (named by --config)`]);
    const viaEnv = await problemsOf(
      loadConfig(opts(dir, { env: { AIOS_CONFIG: '/nonexistent/aios.toml' } })),
    );
    expect(viaEnv[0]).toMatch(/nonexistent\/aios.toml: config file not found \(named by \$AIOS_CONFIG\)/);
  });

  it('says a config path that cannot be read cannot be read', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'etc/aios/config.toml'), { recursive: true });
    const problems = await problemsOf(loadConfig(opts(dir)));
    expect(problems).toEqual([
      `${path.join(dir, 'etc/aios/config.toml')}: config path is a directory, not a file`,
    ]);
  });

  it('never falls back to defaults when the system file is broken, even if the user file is fine', async () => {
    const dir = tempDir();
    writeFile(dir, 'etc/aios/config.toml', '[security]\nmode = "safe\n');
    writeFile(dir, 'home/.config/aios/config.toml', '[security]\nsandbox = true\n');
    await expect(loadConfig(opts(dir))).rejects.toThrow(ValidationError);
  });
});

describe('the shipped examples', () => {
  it('loads the seed example as written, without warnings', async () => {
    const dir = tempDir();
    const loaded = await loadConfig(opts(dir, { configPath: SHARED_EXAMPLE }));
    expect(loaded.warnings).toEqual([]);
    expect(loaded.config.llm.openai.model).toBe('gpt-4');
    expect(loaded.config.security.dangerous_patterns).toEqual(['rm -rf /', 'mkfs.*']);
    expect(loaded.config.recovery.snapshot_interval).toBe('hourly');
    expect(loaded.origins['llm.openai.model']).toEqual({ source: 'file', file: SHARED_EXAMPLE, line: 11 });
  });

  it('loads docs/config.example.toml without warnings, and it matches the built-in defaults', async () => {
    const dir = tempDir();
    const loaded = await loadConfig(opts(dir, { configPath: SHIPPED_EXAMPLE }));
    expect(loaded.warnings).toEqual([]);
    const defaults = await loadConfig(opts(dir));
    expect(loaded.config).toEqual(defaults.config);
  });

  it('sets every key when its commented examples are uncommented, all valid and in the right section', async () => {
    const text = fs.readFileSync(SHIPPED_EXAMPLE, 'utf8').replace(/^# ([a-z_]+ = .*)$/gm, '$1');
    const dir = tempDir();
    const file = writeFile(dir, 'uncommented.toml', text);
    const loaded = await loadConfig(opts(dir, { configPath: file }));
    expect(loaded.warnings).toEqual([]);
    const notInFile = Object.entries(loaded.origins)
      .filter(([, origin]) => origin.source !== 'file')
      .map(([key]) => key);
    expect(notInFile).toEqual([]);
  });

  it('names only real keys in its AIOS_ examples', async () => {
    const text = fs.readFileSync(SHIPPED_EXAMPLE, 'utf8');
    const names = [...text.matchAll(/\b(AIOS_[A-Z_]+__[A-Z_]+)=/g)].map((m) => m[1] ?? '');
    expect(names.length).toBeGreaterThan(2);
    const dir = tempDir();
    const env = Object.fromEntries(names.map((n) => [n, n.endsWith('__PATHS') ? '["/etc"]' : '1']));
    const result = await loadConfig(opts(dir, { env })).catch((e: unknown) => e);
    // Values may be ill-typed here ('1' for a mode); what matters is that no name is unknown.
    const warnings =
      result instanceof ConfigValidationError ? result.warnings : (result as { warnings: string[] }).warnings;
    expect(warnings).toEqual([]);
  });

  it('documents every config key in docs/config.example.toml', async () => {
    const text = fs.readFileSync(SHIPPED_EXAMPLE, 'utf8');
    const dir = tempDir();
    const { origins } = await loadConfig(opts(dir));
    const missing = Object.keys(origins).filter((key) => {
      const name = key.split('.').pop() ?? key;
      return !new RegExp(`^#?\\s*${name}\\s*=`, 'm').test(text);
    });
    expect(missing).toEqual([]);
  });
});

describe('precedence', () => {
  it('goes defaults < system file < user file < env < flags', async () => {
    const dir = tempDir();
    writeFile(
      dir,
      'etc/aios/config.toml',
      '[controller]\nroot = "/sys-root"\nwatch = false\n[llm]\nmax_steps = 5\n',
    );
    const user = writeFile(
      dir,
      'home/.config/aios/config.toml',
      '[controller]\nroot = "/user-root"\n[llm]\nmax_steps = 6\n',
    );
    const env = { AIOS_CONTROLLER__ROOT: '/env-root' };
    const withEnv = await loadConfig(opts(dir, { env }));
    expect(withEnv.config.controller.root).toBe('/env-root');
    expect(withEnv.origins['controller.root']).toEqual({ source: 'env', variable: 'AIOS_CONTROLLER__ROOT' });
    expect(withEnv.config.llm.max_steps).toBe(6);
    expect(withEnv.origins['llm.max_steps']).toEqual({ source: 'file', file: user, line: 4 });
    expect(withEnv.config.controller.watch).toBe(false);
    const withFlag = await loadConfig(opts(dir, { env, flags: { root: '/flag-root' } }));
    expect(withFlag.config.controller.root).toBe('/flag-root');
    expect(withFlag.origins['controller.root']).toEqual({ source: 'flag', flag: '--root' });
  });
});

describe('environment overrides', () => {
  it('types values by the schema: numbers, booleans, arrays, nested keys', async () => {
    const dir = tempDir();
    const loaded = await loadConfig(
      opts(dir, {
        env: {
          AIOS_LLM__MAX_STEPS: '7',
          AIOS_AGENTS__SECURITY_AGENT: 'true',
          AIOS_RECOVERY__AUTO_ROLLBACK: '1',
          AIOS_SECURITY__DANGEROUS_PATTERNS: '["rm -rf /", "dd if=*"]',
          AIOS_RECOVERY__PATHS: "['/etc', '/srv']",
          AIOS_LLM__OPENAI__MODEL: 'gpt-4o',
          AIOS_LLM__DEFAULT_PROVIDER: 'anthropic',
        },
      }),
    );
    expect(loaded.config.llm.max_steps).toBe(7);
    expect(loaded.config.agents.security_agent).toBe(true);
    expect(loaded.config.recovery.auto_rollback).toBe(true);
    expect(loaded.config.security.dangerous_patterns).toEqual(['rm -rf /', 'dd if=*']);
    expect(loaded.config.recovery.paths).toEqual(['/etc', '/srv']);
    expect(loaded.config.llm.openai.model).toBe('gpt-4o');
    expect(loaded.config.llm.default_provider).toBe('anthropic');
    expect(loaded.origins['llm.openai.model']).toEqual({
      source: 'env',
      variable: 'AIOS_LLM__OPENAI__MODEL',
    });
  });

  it('rejects a badly typed value with an error naming the variable, all at once', async () => {
    const dir = tempDir();
    const problems = await problemsOf(
      loadConfig(
        opts(dir, {
          env: {
            AIOS_LLM__MAX_STEPS: 'many',
            AIOS_AGENTS__CORE_AGENT: 'maybe',
            AIOS_SECURITY__MODE: 'yolo',
            AIOS_RECOVERY__PATHS: '/etc,/srv',
            AIOS_LLM__MAX_TOKENS: '-3',
            AIOS_SECURITY__APPROVAL_TIMEOUT: 'later',
          },
        }),
      ),
    );
    expect(problems).toHaveLength(6);
    expect(problems).toContain('environment variable AIOS_LLM__MAX_STEPS: expected a number, got "many"');
    expect(problems).toContain(
      'environment variable AIOS_AGENTS__CORE_AGENT: expected a boolean (true/false), got "maybe"',
    );
    expect(problems.join('\n')).toMatch(
      /AIOS_SECURITY__MODE: expected one of safe, normal, paranoid, trusted/,
    );
    expect(problems.join('\n')).toMatch(/AIOS_RECOVERY__PATHS: expected an array/);
    expect(problems.join('\n')).toMatch(
      /AIOS_LLM__MAX_TOKENS \(llm.max_tokens\): expected a number > 0, got an integer \(-3\)/,
    );
    expect(problems.join('\n')).toMatch(
      /AIOS_SECURITY__APPROVAL_TIMEOUT \(security.approval_timeout\): "later" is not a duration/,
    );
  });

  it('warns about AIOS_ variables that name no key, and ignores AIOS_CONFIG-style names', async () => {
    const dir = tempDir();
    const loaded = await loadConfig(opts(dir, { env: { AIOS_NOPE__KEY: 'x', AIOS_TRACE_FILE: '/tmp/x' } }));
    expect(loaded.warnings).toEqual([
      'environment variable AIOS_NOPE__KEY: no config key nope.key (ignored)',
    ]);
  });

  it('refuses to set a whole section from one variable', async () => {
    const dir = tempDir();
    const problems = await problemsOf(loadConfig(opts(dir, { env: { AIOS_LLM__OPENAI: 'x' } })));
    expect(problems[0]).toMatch(/AIOS_LLM__OPENAI: llm.openai is a section/);
  });

  it('does not store provider variables such as OPENAI_API_KEY', async () => {
    const dir = tempDir();
    const loaded = await loadConfig(opts(dir, { env: { OPENAI_API_KEY: 'sk-secret-value-123456' } }));
    expect(JSON.stringify(loaded)).not.toContain('sk-secret-value-123456');
  });
});

describe('bad files', () => {
  it('reports a TOML syntax error with file, line and column', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'c.toml', '[aios]\ndata_dir = "/x"\nsocket_path = \n');
    const problems = await problemsOf(loadConfig(opts(dir, { configPath: file })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${file}:3:\\d+: TOML syntax error`));
  });

  it('names file, line, key and the expected type for a wrong type', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'c.toml', '[recovery]\nenabled = true\nmax_snapshots = "lots"\n');
    const problems = await problemsOf(loadConfig(opts(dir, { configPath: file })));
    expect(problems).toEqual([
      `${file}:3 (recovery.max_snapshots): expected a number, got a string ("lots")`,
    ]);
  });

  it('collects every problem of a file at once, in line order', async () => {
    const dir = tempDir();
    const file = writeFile(
      dir,
      'c.toml',
      [
        '[aios]',
        'data_dir = 3',
        '[security]',
        'mode = "wild"',
        'approval_timeout = "soon"',
        '[recovery]',
        'snapshot_interval = "61 * * * *"',
        'paths = [',
        '  "/etc",',
        '  5,',
        ']',
        '[controller]',
        'resync_interval = "1x"',
        '[llm]',
        'max_steps = 2.5',
      ].join('\n'),
    );
    const problems = await problemsOf(loadConfig(opts(dir, { configPath: file })));
    expect(problems).toEqual([
      `${file}:2 (aios.data_dir): expected a string, got an integer (3)`,
      `${file}:4 (security.mode): expected one of "safe", "normal", "paranoid", "trusted", got a string ("wild")`,
      `${file}:5 (security.approval_timeout): "soon" is not a duration (use e.g. "30s", "15m", "2h", "1h30m", "1d")`,
      `${file}:7 (recovery.snapshot_interval): "61 * * * *" is not a valid cron expression: 61 is a invalid expression for minute`,
      `${file}:10 (recovery.paths.1): expected a string, got an integer (5)`,
      `${file}:13 (controller.resync_interval): "1x" is not a duration (use e.g. "30s", "15m", "2h", "1h30m", "1d")`,
      `${file}:15 (llm.max_steps): expected an integer, got a float (2.5)`,
    ]);
  });

  it('warns about unknown keys and sections with file and line, and still loads', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'c.toml', '[aios]\ndata_dir = "/d"\ncolour = "red"\n\n[extras]\nx = 1\n');
    const loaded = await loadConfig(opts(dir, { configPath: file }));
    expect(loaded.config.aios.data_dir).toBe('/d');
    expect(loaded.warnings).toEqual([
      `${file}:3: unknown key aios.colour in [aios] (ignored)`,
      `${file}:5: unknown key extras (ignored)`,
    ]);
  });

  it('keeps the warnings when the same file also has errors', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'c.toml', '[aios]\nbogus = 1\ndata_dir = false\n');
    try {
      await loadConfig(opts(dir, { configPath: file }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigValidationError);
      const e = error as ConfigValidationError;
      expect(e.problems.map((p) => p.location)).toEqual([{ file, line: 3, key: 'aios.data_dir' }]);
      expect(e.warnings).toEqual([`${file}:2: unknown key aios.bogus in [aios] (ignored)`]);
    }
  });

  it('reports a section given as a value', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'c.toml', 'security = "paranoid"\n');
    const problems = await problemsOf(loadConfig(opts(dir, { configPath: file })));
    expect(problems).toEqual([`${file}:1 (security): expected a table, got a string ("paranoid")`]);
  });
});

describe('paths in config files', () => {
  it('resolves relative paths from the directory of the file that set them, and ~ from HOME', async () => {
    const dir = tempDir();
    const file = writeFile(
      dir,
      'conf/aios.toml',
      '[controller]\nspecs_dir = "specs"\n[memory]\npath = "~/mem.db"\n[recovery]\nstore_dir = "../snaps"\n',
    );
    const loaded = await loadConfig(
      opts(dir, { configPath: file, env: { AIOS_TOOLS__PLUGINS_DIR: 'plug' } }),
    );
    expect(loaded.config.controller.specs_dir).toBe(path.join(dir, 'conf/specs'));
    expect(loaded.config.memory.path).toBe(path.join(dir, 'home/mem.db'));
    expect(loaded.config.recovery.store_dir).toBe(path.join(dir, 'snaps'));
    // Env and flag values are relative to the working directory.
    expect(loaded.config.tools.plugins_dir).toBe(path.join(dir, 'plug'));
  });

  it('leaves recovery.paths alone: they are paths inside the managed root', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'c.toml', '[recovery]\npaths = ["etc", "/srv"]\n');
    const loaded = await loadConfig(opts(dir, { configPath: file }));
    expect(loaded.config.recovery.paths).toEqual(['etc', '/srv']);
  });
});

describe('empty paths', () => {
  it('treats an empty path value as the default', async () => {
    const dir = tempDir();
    const loaded = await loadConfig(opts(dir, { env: { AIOS_MEMORY__PATH: '', AIOS_AIOS__DATA_DIR: '' } }));
    expect(loaded.config.memory.path).toBeUndefined();
    expect(loaded.config.aios.data_dir).toBe('/var/lib/aios');
    expect(loaded.origins['aios.data_dir']).toEqual({ source: 'default' });
  });
});

describe('TOML values of other types', () => {
  it('names a date where a string was expected', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'c.toml', '[aios]\nversion = 1979-05-27\n');
    const problems = await problemsOf(loadConfig(opts(dir, { configPath: file })));
    expect(problems).toEqual([`${file}:2 (aios.version): expected a string, got a date`]);
  });

  it('reports a duplicate key as a syntax error with its line', async () => {
    const dir = tempDir();
    const file = writeFile(dir, 'c.toml', '[llm]\nmax_steps = 1\nmax_steps = 2\n');
    const problems = await problemsOf(loadConfig(opts(dir, { configPath: file })));
    expect(problems[0]).toMatch(new RegExp(`^${file}:3:\\d+: TOML syntax error`));
  });
});
