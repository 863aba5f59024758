// Temp dirs and config files for the config tests: nothing here touches /etc or the real HOME.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function tempDir(prefix = 'aios-config-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes `text` at `dir/rel` (creating parents) and returns the absolute path. */
export function writeFile(dir: string, rel: string, text: string): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

/** An isolated environment: HOME and XDG_CONFIG_HOME inside `dir`, no AIOS_ variables. */
export function isolatedEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: path.join(dir, 'home'), XDG_CONFIG_HOME: path.join(dir, 'home', '.config'), ...extra };
}

export const SHARED_EXAMPLE = '/work/shared/examples/config.toml';
export const SHIPPED_EXAMPLE = path.resolve('docs/config.example.toml');
