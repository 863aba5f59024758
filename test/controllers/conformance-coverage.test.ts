import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { controllers } from '../../controllers/registry.js';

const here = path.dirname(fileURLToPath(import.meta.url));

// "Adding a kind means adding it to the suite" (issue 6), checked rather than remembered.
describe('conformance coverage', () => {
  it('has a conformance test file calling runConformance for every registered kind', () => {
    const missing = controllers
      .map((c) => c.kind)
      .filter((kind) => {
        const file = path.join(here, `${kind}.conformance.test.ts`);
        return !fs.existsSync(file) || !fs.readFileSync(file, 'utf8').includes('runConformance(');
      });
    expect(missing).toEqual([]);
  });

  it('registers each kind once', () => {
    const kinds = controllers.map((c) => c.kind);
    expect(kinds.length).toBeGreaterThanOrEqual(6);
    expect(new Set(kinds).size).toBe(kinds.length);
  });
});
