// Containers (issue 9, the seed's use): two aios processes that manage different roots (`--root`,
// as two containers would) but share one memory database through `[memory] path`. Both apply at
// the same time; afterwards the history of each is searchable from the other, and the shared audit
// chain still verifies (one chain, not two forks).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AIOS, aios, cleanEnv, tempDir } from './install-helpers.js';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Side {
  name: string;
  root: string;
  config: string;
}

function side(base: string, name: string, memory: string): Side {
  const dir = path.join(base, name);
  const specs = path.join(dir, 'specs');
  const root = path.join(dir, 'root');
  fs.mkdirSync(specs, { recursive: true });
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.writeFileSync(
    path.join(specs, 'site.toml'),
    `[[file]]\npath = "/etc/container-${name}.conf"\ncontent = "served by ${name}\\n"\nmode = "0644"\n`,
  );
  const config = path.join(dir, 'config.toml');
  fs.writeFileSync(
    config,
    `[aios]\ndata_dir = ${JSON.stringify(path.join(dir, 'data'))}\nsocket_path = ${JSON.stringify(path.join(dir, 'sock'))}\n` +
      `[controller]\nspecs_dir = ${JSON.stringify(specs)}\n[memory]\npath = ${JSON.stringify(memory)}\n[recovery]\nenabled = false\n`,
  );
  return { name, root, config };
}

function applyAsync(s: Side, env: NodeJS.ProcessEnv): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [AIOS, 'apply', '--yes', '--config', s.config, '--root', s.root], {
      env,
    });
    let err = '';
    child.stderr.on('data', (c) => {
      err += c;
    });
    child.on('close', (code) => resolve({ code, err }));
  });
}

describe('two roots sharing one memory.db', () => {
  it('applies in both at once, and each side finds the other side history', async () => {
    const base = tempDir('aios-shared-mem-');
    made.push(base);
    const memory = path.join(base, 'shared', 'memory.db');
    const a = side(base, 'alpha', memory);
    const b = side(base, 'beta', memory);
    // history on: the command rows are part of what must be shared
    const env = { ...cleanEnv(base), AIOS_NO_HISTORY: '' };

    const [ra, rb] = await Promise.all([applyAsync(a, env), applyAsync(b, env)]);
    expect(ra).toEqual({ code: 0, err: '' });
    expect(rb).toEqual({ code: 0, err: '' });
    expect(fs.readFileSync(path.join(a.root, 'etc/container-alpha.conf'), 'utf8')).toBe('served by alpha\n');
    expect(fs.readFileSync(path.join(b.root, 'etc/container-beta.conf'), 'utf8')).toBe('served by beta\n');
    // each root got only its own file
    expect(fs.existsSync(path.join(a.root, 'etc/container-beta.conf'))).toBe(false);

    const search = (from: Side, text: string) => {
      const r = aios(['search', text, '--json', '--config', from.config, '--root', from.root], env);
      expect(r.code).toBe(0);
      return (JSON.parse(r.out) as { hits: { kind: string; snippet: string }[] }).hits;
    };
    const betaFromAlpha = search(a, 'container-beta');
    expect(betaFromAlpha.map((h) => h.kind)).toEqual(expect.arrayContaining(['event', 'tool']));
    expect(betaFromAlpha.every((h) => h.snippet.includes('beta'))).toBe(true);
    const alphaFromBeta = search(b, 'container-alpha');
    expect(alphaFromBeta.map((h) => h.kind)).toEqual(expect.arrayContaining(['event', 'tool']));

    // the command history of both processes is in the one file
    const history = aios(['history', '--json', '--config', b.config], env);
    expect(history.code).toBe(0);
    const commands = (JSON.parse(history.out) as { kind: string; text?: string; summary?: string }[])
      .filter((h) => h.kind === 'command')
      .map((h) => JSON.stringify(h));
    expect(commands.some((c) => c.includes(a.config))).toBe(true);
    expect(commands.some((c) => c.includes(b.config))).toBe(true);

    // one audit chain, written by both, still verifies from either side
    for (const s of [a, b]) {
      const v = aios(['audit', 'verify', '--json', '--config', s.config], env);
      expect(v.code).toBe(0);
      expect(JSON.parse(v.out)).toMatchObject({ ok: true, count: 2 });
    }
  });
});
