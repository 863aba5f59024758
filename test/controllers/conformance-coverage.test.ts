import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { controllers } from '../../controllers/registry.js';
import { specKinds, specSchemaFor } from '../../controllers/spec-schemas.js';

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

  it('has a schema in spec-schemas.ts for every registered controller, and no schema without one', () => {
    expect([...specKinds].sort()).toEqual(controllers.map((c) => c.kind).sort());
    for (const kind of specKinds) expect(specSchemaFor(kind)?.safeParse, kind).toBeTypeOf('function');
    expect(specSchemaFor('nosuchkind')).toBeUndefined();
  });

  it('registers each kind once', () => {
    const kinds = controllers.map((c) => c.kind);
    expect(kinds.length).toBeGreaterThanOrEqual(6);
    expect(new Set(kinds).size).toBe(kinds.length);
  });
});
