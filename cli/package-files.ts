// Finds files that ship in the npm package beside the code (docs/config.example.toml), from the
// sources under vitest (cli/) and from the build (dist/cli/) alike. Reads nothing else.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserInputError } from '../src/errors.js';

/** Absolute path of a file shipped with the package, e.g. "docs/config.example.toml". */
export function packageFile(relative: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['..', '../..']) {
    const file = path.resolve(here, up, relative);
    if (existsSync(file)) return file;
  }
  throw new UserInputError(`cannot find ${relative} shipped with aios (looked above ${here})`);
}

/** The `aios-runtime` script of this installation (the built one: it is what systemd runs). */
export function runtimeScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    path.join(here, 'aios-runtime.js'),
    path.resolve(here, '../dist/cli/aios-runtime.js'),
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new UserInputError(`cannot find aios-runtime.js beside ${here}; build first (npm run build)`);
}
