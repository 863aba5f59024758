// The inputs the fuzz suite mutates and how each is judged. A target takes one generated text and
// says whether the loader accepted it, refused it with an error naming the file, or crashed (threw
// something that is not an AiosError, or refused without saying where). Loaders are called exactly
// as the CLI calls them; nothing here writes outside the fuzz directory.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { AiosError } from '../../src/errors.js';
import { checkExamples } from '../../src/policy/rule-examples.js';
import { parseRuleFile } from '../../src/policy/rule-file.js';
import { loadDesiredState } from '../../src/reconcile/desired-state.js';
import { loadPlugins } from '../../src/tools/plugins.js';

export type Verdict =
  | { kind: 'accepted' }
  | { kind: 'refused'; line: boolean }
  | { kind: 'crash'; why: string };

export interface FuzzTarget {
  name: string;
  /** Valid texts to start from. */
  seeds: string[];
  tokens: 'toml' | 'json';
  /** The file the text is written to (inside the fuzz dir). */
  file: string;
  judge(text: string): Promise<Verdict>;
}

/** A long message shown by its head and tail (a V8 error puts its reason at the end). */
function clip(message: string): string {
  return message.length <= 300 ? message : `${message.slice(0, 160)} ... ${message.slice(-120)}`;
}

function refusal(e: unknown, file: string, alsoOk?: RegExp): Verdict {
  if (!(e instanceof AiosError)) {
    const err = e as Error;
    return { kind: 'crash', why: `${err?.name ?? typeof e}: ${clip(String(err?.message ?? e))}` };
  }
  const base = path.basename(file);
  if (!e.message.includes(base) && !(alsoOk?.test(e.message) ?? false)) {
    return { kind: 'crash', why: `error does not name ${base}: ${e.message.slice(0, 200)}` };
  }
  return { kind: 'refused', line: new RegExp(`${base.replace('.', '\\.')}:\\d+`).test(e.message) };
}

const repo = path.resolve('.');

function read(rel: string): string {
  return fs.readFileSync(path.join(repo, rel), 'utf8');
}

/** Spec seeds: the shipped examples (without exec tables: a mutated guard would run in observe). */
function specSeeds(): string[] {
  const seeds = [
    'specs/demo/motd.toml',
    'specs/hardening/sysctl.toml',
    'specs/users/admins.toml',
    'specs/web/nginx.toml',
  ]
    .filter((f) => fs.existsSync(path.join(repo, f)))
    .map(read);
  seeds.push(
    '[[directory]]\npath = "/etc/app"\nmode = "0755"\n\n[[file]]\npath = "/etc/app/a.conf"\ncontent = """\nkey = value\n"""\nmode = "0640"\nowner = "root"\nrequires = ["directory:/etc/app"]\nnotify = ["service:app"]\n\n[[symlink]]\npath = "/etc/app/link"\ntarget = "a.conf"\n\n[[service]]\nname = "app"\nenabled = true\n\n[[package]]\nname = "app"\nversion = "1.0-1"\n\n[[group]]\nname = "app"\ngid = 990\n\n[[user]]\nname = "app"\nuid = 990\ngroup = "app"\ngroups = ["adm"]\n',
  );
  return seeds;
}

export function configTarget(dir: string): FuzzTarget {
  const file = path.join(dir, 'fuzz-config.toml');
  return {
    name: 'config',
    seeds: [read('docs/config.example.toml'), '[aios]\ndata_dir = "/tmp/x"\n[security]\nmode = "normal"\n'],
    tokens: 'toml',
    file,
    async judge(text) {
      fs.writeFileSync(file, text);
      try {
        await loadConfig({
          configPath: file,
          env: {},
          systemConfigPath: path.join(dir, 'absent.toml'),
          cwd: dir,
        });
        return { kind: 'accepted' };
      } catch (e) {
        return refusal(e, file);
      }
    },
  };
}

export function specTarget(dir: string): FuzzTarget {
  const specs = path.join(dir, 'specs');
  fs.mkdirSync(specs, { recursive: true });
  const file = path.join(specs, 'fuzz.toml');
  return {
    name: 'spec',
    seeds: specSeeds(),
    tokens: 'toml',
    file,
    async judge(text) {
      fs.writeFileSync(file, text);
      try {
        await loadDesiredState(specs);
        return { kind: 'accepted' };
      } catch (e) {
        // A dependency cycle is named by its resources rather than by file.
        return refusal(e, file, /cycle/i);
      }
    },
  };
}

export function policyTarget(dir: string): FuzzTarget {
  const policies = path.join(dir, 'policies');
  fs.mkdirSync(policies, { recursive: true });
  const file = path.join(policies, 'fuzz.toml');
  const home = path.join(dir, 'home');
  return {
    name: 'policy',
    seeds: [read('policies/base.toml'), read('policies/normal.toml').replace(/\[mode\][^[]*/, '')],
    tokens: 'toml',
    file,
    async judge(text) {
      fs.writeFileSync(file, text);
      try {
        const parsed = parseRuleFile(file, text, 'user', home);
        // Examples are checked on load too: a rule whose own examples fail is refused there.
        checkExamples(parsed.rules, home);
        return { kind: 'accepted' };
      } catch (e) {
        return refusal(e, file);
      }
    },
  };
}

export function pluginTarget(dir: string): FuzzTarget {
  const plugins = path.join(dir, 'plugins');
  fs.mkdirSync(plugins, { recursive: true });
  const file = path.join(plugins, 'fuzztool.json');
  fs.writeFileSync(path.join(plugins, 'fuzztool'), '#!/bin/sh\necho ok\n', { mode: 0o755 });
  return {
    name: 'plugin manifest',
    seeds: [read('docs/plugins/example/disk-usage.json')],
    tokens: 'json',
    file,
    async judge(text) {
      fs.writeFileSync(file, text);
      const warnings: string[] = [];
      try {
        const tools = await loadPlugins(plugins, {
          taken: new Set(['bash', 'read_file']),
          warn: (w) => warnings.push(w),
        });
        if (tools.length > 0) return { kind: 'accepted' };
        // The loader names the plugin (its executable's path) for a bad manifest, the .json file
        // for one it cannot parse: either tells the user which plugin to fix.
        if (!warnings.some((w) => w.includes(path.join(plugins, 'fuzztool')))) {
          return {
            kind: 'crash',
            why: `skipped without a warning naming the plugin: ${warnings.join('; ')}`,
          };
        }
        return { kind: 'refused', line: false };
      } catch (e) {
        const err = e as Error;
        return {
          kind: 'crash',
          why: `loadPlugins threw ${err?.name}: ${clip(String(err?.message ?? e))}`,
        };
      }
    },
  };
}
