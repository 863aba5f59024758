// Marks the built entry points executable so `npm install -g .` and `npx aios` can run them directly.
import { chmodSync, existsSync } from 'node:fs';

for (const bin of ['dist/cli/aios.js', 'dist/cli/aios-runtime.js']) {
  if (existsSync(bin)) chmodSync(bin, 0o755);
}
