// E2E and child-process tests run the compiled JS: build once when dist/ is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const AIOS = path.join(REPO, 'dist/cli/aios.js');

export function ensureBuilt(): void {
  if (existsSync(AIOS) && existsSync(path.join(REPO, 'dist/src/memory/memory-store.js'))) return;
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'ignore' });
  } catch {
    // tsc still emits when other modules have type errors; the checks below decide
  }
}
