// Runs after `tsc -p tsconfig.build.json`: bundles the `aios` program (scripts/bundle.mjs) and marks
// the built entry points executable so `npm install -g .` and `npx aios` can run them directly.
// A failed bundle is reported but does not fail the build: dist/cli/aios.js then runs the plain tsc
// output, which is the same program, only slower to start.
import { chmodSync, existsSync } from 'node:fs';
import { bundle } from './bundle.mjs';

try {
  await bundle();
} catch (e) {
  process.stderr.write(
    `post-build: WARNING: bundling failed, dist/cli/aios.js runs the unbundled build (slower start):\n${e?.message ?? e}\n`,
  );
}

for (const bin of ['dist/cli/aios.js', 'dist/cli/aios-runtime.js']) {
  if (existsSync(bin)) chmodSync(bin, 0o755);
}
