import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { manifest } from '../../src/config/schema-manifest.js';
import { deriveManifest } from './derive-manifest.js';

const target = path.resolve('src/config/schema-manifest.ts');

describe('the schema manifest', () => {
  it('is exactly what the zod schema says (regenerate with AIOS_UPDATE_MANIFEST=1)', () => {
    const derived = deriveManifest(configSchema);
    if (process.env.AIOS_UPDATE_MANIFEST === '1') {
      const text = [
        '// GENERATED from src/config/schema.ts by test/config/schema-manifest.test.ts; do not edit by hand.',
        '// Regenerate: AIOS_UPDATE_MANIFEST=1 npx vitest run test/config/schema-manifest.test.ts',
        "import type { SectionSpec } from './manifest-types.js';",
        '',
        `export const manifest: SectionSpec = ${JSON.stringify(derived, null, 2)};`,
        '',
      ].join('\n');
      fs.writeFileSync(target, text);
    }
    expect(manifest).toEqual(derived);
  });
});
