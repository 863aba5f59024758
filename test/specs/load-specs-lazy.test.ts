// Decision 172: the TOML parser and the kinds' schemas load only when a spec file is parsed, so a
// run that parses nothing (an empty specs_dir today, a spec-cache hit tomorrow) never pays for them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadSpecs } from '../../src/specs/load-specs.js';

const loaded = vi.hoisted(() => ({ toml: 0, schemas: 0 }));
vi.mock('smol-toml', async (original) => {
  loaded.toml++;
  return await original();
});
vi.mock('../../controllers/spec-schemas.js', async (original) => {
  loaded.schemas++;
  return await original();
});

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-lazy-specs-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('loadSpecs loading its parsers', () => {
  it('loads neither smol-toml nor the schemas when there is no spec file, then both once for real files', async () => {
    expect(await loadSpecs(dir)).toEqual({ resources: [], files: [] });
    expect(loaded).toEqual({ toml: 0, schemas: 0 });

    fs.writeFileSync(path.join(dir, 'a.toml'), '[[file]]\npath = "/etc/motd"\ncontent = "hi\\n"\n');
    fs.writeFileSync(
      path.join(dir, 'b.toml'),
      '[[cron]]\nname = "backup"\nschedule = "0 3 * * *"\ncommand = "true"\n',
    );
    const { resources } = await loadSpecs(dir);
    expect(resources.map((r) => r.id)).toEqual(['file:/etc/motd', 'cron:backup']);
    // The cron schema ran (node-cron behind it): the schedule came back normalised, user defaulted.
    expect(resources[1]?.spec).toMatchObject({ schedule: '0 3 * * *', user: 'root' });
    expect(loaded).toEqual({ toml: 1, schemas: 1 });
  });

  it('uses the schemas it is given instead of importing the real ones', async () => {
    fs.writeFileSync(path.join(dir, 'a.toml'), '[[file]]\npath = "/etc/motd"\n');
    const before = loaded.schemas;
    await expect(loadSpecs(dir, { schemas: () => undefined })).rejects.toThrow(/unknown resource kind/);
    expect(loaded.schemas).toBe(before);
  });
});
