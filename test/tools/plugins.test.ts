import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnRunner } from '../../src/host/process-runner.js';
import { probeSandbox } from '../../src/host/sandbox.js';
import { executeAction } from '../../src/tools/execute.js';
import { createRegistry } from '../../src/tools/registry.js';
import type { ToolContext } from '../../src/tools/tool.js';
import { makeTempRoot, type TempRoot } from './tool-fixture.js';

const EXAMPLE = fileURLToPath(new URL('../../docs/plugins/example/', import.meta.url));
let t: TempRoot;
let dir: string;

beforeEach(() => {
  t = makeTempRoot();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-plugins-'));
});
afterEach(() => {
  t.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

function put(name: string, text: string, mode = 0o644): void {
  fs.writeFileSync(path.join(dir, name), text);
  fs.chmodSync(path.join(dir, name), mode);
}

const manifest = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    name,
    description: `the ${name} tool`,
    effect: 'read',
    parameters: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] },
    ...extra,
  });

async function load(): Promise<{ warnings: string[]; reg: Awaited<ReturnType<typeof createRegistry>> }> {
  const warnings: string[] = [];
  const reg = await createRegistry({ pluginsDir: dir, warn: (m) => warnings.push(m) });
  return { warnings, reg };
}

describe('plugins', () => {
  it('loads the documented examples, both kinds, and runs them against the root', async () => {
    for (const f of fs.readdirSync(EXAMPLE)) fs.copyFileSync(path.join(EXAMPLE, f), path.join(dir, f));
    fs.chmodSync(path.join(dir, 'disk-usage.sh'), 0o755);
    const { warnings, reg } = await load();
    expect(warnings).toEqual([]);
    fs.writeFileSync(t.real('etc/three'), 'a\nb\nc\n');
    const lines = await executeAction(
      reg,
      { tool: 'count_lines', args: { path: '/etc/three' }, reason: '' },
      t.ctx,
    );
    expect(lines).toMatchObject({
      ok: true,
      output: '3 lines in /etc/three',
      data: { lines: 3 },
      changed: false,
    });
    fs.writeFileSync(t.real('etc/big'), Buffer.alloc(64 * 1024, 1));
    const du = await executeAction(
      reg,
      { tool: 'disk_usage', args: { path: '/etc/big' }, reason: '' },
      t.ctx,
    );
    expect(du.ok).toBe(true);
    expect(du.output).toMatch(/^\d+ KiB in \/etc\/big$/);
    expect((du.data as { kib: number }).kib).toBeGreaterThanOrEqual(64);
    expect(du.changed).toBe(false);
    const schemas = reg.jsonSchemas().map((s) => s.name);
    expect(schemas).toContain('count_lines');
    expect(schemas).toContain('disk_usage');
  });

  it("validates a plugin's arguments against its JSON schema before running it", async () => {
    put('echo.json', manifest('echo_word'));
    put('echo', '#!/bin/sh\ncat\n', 0o755);
    const { warnings, reg } = await load();
    expect(warnings).toEqual([]);
    const bad = await executeAction(reg, { tool: 'echo_word', args: { word: 3 }, reason: '' }, t.ctx);
    expect(bad.ok).toBe(false);
    expect(bad.output).toContain('invalid arguments for echo_word');
    const good = await executeAction(reg, { tool: 'echo_word', args: { word: 'hi' }, reason: '' }, t.ctx);
    expect(good).toMatchObject({ ok: true, output: '{"word":"hi"}' });
  });

  it('reports an executable plugin that exits non-zero as a failure with its stderr', async () => {
    put('fail.json', manifest('fail_tool'));
    put('fail.sh', '#!/bin/sh\necho \'{"ok": true, "output": "lies"}\'\necho broken >&2\nexit 4\n', 0o755);
    const { reg } = await load();
    const r = await executeAction(reg, { tool: 'fail_tool', args: { word: 'x' }, reason: '' }, t.ctx);
    expect(r).toMatchObject({ ok: false, exitCode: 4, stderr: 'broken\n' });
  });

  it('skips every kind of bad plugin with a warning naming the file, and keeps the good ones', async () => {
    put(
      'good.mjs',
      `export const manifest = ${manifest('good_tool')};\nexport async function run(a) { return 'got ' + a.word; }\n`,
    );
    put('no-manifest.mjs', 'export async function run() { return "x"; }\n');
    put('no-run.mjs', `export const manifest = ${manifest('no_run')};\n`);
    put('syntax.mjs', 'export const = ;\n');
    put(
      'clash.mjs',
      `export const manifest = ${manifest('bash')};\nexport async function run() { return 'x'; }\n`,
    );
    put(
      'bad-effect.mjs',
      `export const manifest = ${manifest('bad_effect', { effect: 'destroy' })};\nexport async function run() { return 'x'; }\n`,
    );
    put(
      'bad-schema.mjs',
      `export const manifest = ${manifest('bad_schema', { parameters: { type: 'object', properties: { a: { type: 'nonsense' } } } })};\nexport async function run() { return 'x'; }\n`,
    );
    put('noexec.json', manifest('noexec_tool'));
    put('noexec.sh', '#!/bin/sh\necho hi\n', 0o644);
    put('orphan.json', manifest('orphan_tool'));
    put('broken.json', '{ not json');
    put('broken', '#!/bin/sh\n', 0o755);
    put('lonely.sh', '#!/bin/sh\necho hi\n', 0o755);
    put('README.md', '# my plugins\n');
    const { warnings, reg } = await load();
    const text = warnings.join('\n');
    expect(reg.get('good_tool')).toBeDefined();
    expect(text).toContain(`${path.join(dir, 'no-manifest.mjs')} skipped: no exported "manifest"`);
    expect(text).toContain(`${path.join(dir, 'no-run.mjs')} skipped: no exported "run(args, ctx)" function`);
    expect(text).toContain(`${path.join(dir, 'syntax.mjs')} skipped: import failed`);
    expect(text).toContain(`${path.join(dir, 'clash.mjs')} skipped: tool name "bash" is already taken`);
    expect(text).toMatch(/bad-effect\.mjs skipped: invalid manifest \(effect: /);
    expect(text).toMatch(/bad-schema\.mjs skipped: invalid parameters schema/);
    expect(text).toContain(`${path.join(dir, 'noexec.sh')} skipped: noexec.sh is not executable`);
    expect(text).toContain(`${path.join(dir, 'orphan.json')} skipped: no executable named orphan`);
    expect(text).toMatch(/broken\.json is not valid JSON/);
    expect(text).toContain(`${path.join(dir, 'lonely.sh')} skipped: no manifest (expected lonely.json`);
    expect(text).not.toContain('README');
    expect(warnings).toHaveLength(10);
    expect(reg.get('bash')?.source).toBeUndefined();
    const names = reg.list().map((x) => x.name);
    for (const n of ['no_run', 'bad_effect', 'bad_schema', 'noexec_tool', 'orphan_tool'])
      expect(names).not.toContain(n);
  });

  it('warns about an unreadable plugins dir instead of failing', async () => {
    const warnings: string[] = [];
    const reg = await createRegistry({
      pluginsDir: path.join(dir, 'missing'),
      warn: (m) => warnings.push(m),
    });
    expect(reg.get('bash')).toBeDefined();
    expect(warnings[0]).toContain('cannot read it (ENOENT)');
  });

  it('turns a module plugin that throws or returns junk into a failed result', async () => {
    put(
      'throws.mjs',
      `export const manifest = ${manifest('throws_tool')};\nexport async function run() { throw new Error('nope'); }\n`,
    );
    put(
      'junk.mjs',
      `export const manifest = ${manifest('junk_tool')};\nexport async function run() { return 42; }\n`,
    );
    const { reg } = await load();
    const a = await executeAction(reg, { tool: 'throws_tool', args: { word: 'x' }, reason: '' }, t.ctx);
    expect(a.ok).toBe(false);
    expect(a.output).toContain('threw: nope');
    const b = await executeAction(reg, { tool: 'junk_tool', args: { word: 'x' }, reason: '' }, t.ctx);
    expect(b.ok).toBe(false);
    expect(b.output).toContain('neither a string nor an object');
  });

  it('runs a module plugin in its own sandboxed process when the sandbox is on', async (testCtx) => {
    const status = await probeSandbox(spawnRunner);
    if (!status.available) {
      console.log(`SKIPPED sandboxed module plugin test: ${status.reason}`);
      testCtx.skip();
      return;
    }
    put(
      'm.mjs',
      `import fs from 'node:fs';
export const manifest = ${manifest('m_tool')};
export async function run(args, ctx) {
  console.log('chatter that must not break the result');
  let wrote = 'no';
  try { fs.writeFileSync(ctx.root.real('/etc/from-plugin'), 'x'); wrote = 'yes'; } catch {}
  const r = await ctx.runner(['sh', '-c', 'echo $$']);
  return { ok: true, output: args.word + ' pid=' + r.stdout.trim() + ' wrote=' + wrote + ' key=' + (process.env.OPENAI_API_KEY ?? 'none'), changed: false };
}\n`,
    );
    put(
      't.mjs',
      `export const manifest = ${manifest('t_tool')};\nexport async function run() { throw new Error('inside'); }\n`,
    );
    const { reg } = await load();
    process.env.OPENAI_API_KEY = 'sk-test-should-not-leak';
    try {
      const ctx: ToolContext = { ...t.ctx, sandbox: true };
      const r = await executeAction(reg, { tool: 'm_tool', args: { word: 'hi' }, reason: '' }, ctx);
      expect(r.ok).toBe(true);
      // A fresh PID namespace: the sandboxed node is a low pid; a write to the root fails; no secrets.
      expect(r.output).toMatch(/^hi pid=\d{1,2} wrote=no key=none$/);
      expect(r.stderr).toContain('chatter');
      expect(fs.existsSync(t.real('etc/from-plugin'))).toBe(false);
      const thrown = await executeAction(reg, { tool: 't_tool', args: { word: 'x' }, reason: '' }, ctx);
      expect(thrown).toMatchObject({ ok: false, output: 't_tool threw: inside' });
    } finally {
      delete process.env.OPENAI_API_KEY;
    }
  });
  it('with the sandbox on, imports module plugins only inside bubblewrap: top-level code cannot write', async (testCtx) => {
    const status = await probeSandbox(spawnRunner);
    if (!status.available) {
      console.log(`SKIPPED sandboxed module import test: ${status.reason}`);
      testCtx.skip();
      return;
    }
    const marker = path.join(dir, 'top-level-ran');
    put(
      'side.mjs',
      `import fs from 'node:fs';
try { fs.writeFileSync(${JSON.stringify(marker)}, 'x'); } catch {}
export const manifest = ${manifest('side_tool')};
export async function run(a) { return 'ran ' + a.word; }\n`,
    );
    put('bad.mjs', 'throw new Error("top-level boom");\n');
    const warnings: string[] = [];
    const reg = await createRegistry({ pluginsDir: dir, warn: (m) => warnings.push(m), sandbox: true });
    expect(fs.existsSync(marker)).toBe(false);
    expect(warnings.join('\n')).toMatch(
      /bad\.mjs skipped: import failed \(in the sandbox\): .*top-level boom/,
    );
    // Even a call whose ctx forgets the sandbox runs it sandboxed: the registry was built with it.
    const r = await executeAction(reg, { tool: 'side_tool', args: { word: 'ok' }, reason: '' }, t.ctx);
    expect(r).toMatchObject({ ok: true, output: 'ran ok' });
    expect(fs.existsSync(marker)).toBe(false);
    const bash = await executeAction(
      reg,
      { tool: 'bash', args: { command: 'touch etc/x' }, reason: '' },
      t.ctx,
    );
    expect(bash.ok).toBe(false);
    expect(fs.existsSync(t.real('etc/x'))).toBe(false);
  });

  it('with the sandbox on but no bwrap, skips module plugins with a warning instead of importing them', async () => {
    const marker = path.join(dir, 'top-level-ran');
    put(
      'side.mjs',
      `import fs from 'node:fs';\nfs.writeFileSync(${JSON.stringify(marker)}, 'x');\nexport const manifest = ${manifest('side_tool')};\nexport async function run() { return 'x'; }\n`,
    );
    const noBwrap = async (command: string[]) => ({
      command,
      exitCode: 127,
      signal: null,
      stdout: '',
      stderr: '',
      truncated: false,
      timedOut: false,
      durationMs: 0,
    });
    const warnings: string[] = [];
    const reg = await createRegistry({
      pluginsDir: dir,
      warn: (m) => warnings.push(m),
      sandbox: true,
      runner: noBwrap,
    });
    expect(reg.get('side_tool')).toBeUndefined();
    expect(warnings[0]).toContain('side.mjs skipped');
    expect(warnings[0]).toContain('not installed');
    expect(fs.existsSync(marker)).toBe(false);
  });
  it('sees an edited module plugin when the registry is created again (a config reload)', async () => {
    put(
      'v.mjs',
      `export const manifest = ${manifest('v_tool')};\nexport async function run() { return 'one'; }\n`,
    );
    const first = (await load()).reg;
    expect(
      (await executeAction(first, { tool: 'v_tool', args: { word: 'x' }, reason: '' }, t.ctx)).output,
    ).toBe('one');
    put(
      'v.mjs',
      `export const manifest = ${manifest('v_tool')};\nexport async function run() { return 'two'; }\n`,
    );
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(dir, 'v.mjs'), later, later);
    const second = (await load()).reg;
    expect(
      (await executeAction(second, { tool: 'v_tool', args: { word: 'x' }, reason: '' }, t.ctx)).output,
    ).toBe('two');
  });
});
