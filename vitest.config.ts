import { defineConfig } from 'vitest/config';

// better-sqlite3 is a native addon: worker threads share one process and its handles,
// so tests run in forked processes.
const reporters: string[] = ['default'];
if (process.env.CI) reporters.push('json');

export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters,
    outputFile: { json: 'test-results.json' },
  },
});
