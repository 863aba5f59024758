import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { executeAction } from '../../src/tools/execute.js';
import { createBuiltinRegistry, createRegistry, registryOf } from '../../src/tools/registry.js';
import type { Tool } from '../../src/tools/tool.js';
import { TOOL } from '../../src/tools/tool-args.js';
import { makeTempRoot, type TempRoot } from './tool-fixture.js';

let t: TempRoot;
beforeEach(() => {
  t = makeTempRoot();
});
afterEach(() => t.cleanup());

describe('executeAction', () => {
  it('turns an unknown tool into a failed result naming the known ones', async () => {
    const r = await executeAction(
      createBuiltinRegistry(),
      { tool: 'format_disk', args: {}, reason: 'x' },
      t.ctx,
    );
    expect(r.ok).toBe(false);
    expect(r.output).toContain('unknown tool "format_disk"');
    expect(r.output).toContain('write_file');
  });

  it("turns bad arguments into a failed result with zod's explanation", async () => {
    const reg = createBuiltinRegistry();
    const r1 = await executeAction(
      reg,
      { tool: 'write_file', args: { path: 'relative', content: 1 }, reason: '' },
      t.ctx,
    );
    expect(r1.ok).toBe(false);
    expect(r1.output).toContain('invalid arguments for write_file');
    expect(r1.output).toContain('must be an absolute path');
    expect(r1.output).toContain('content');
    const r2 = await executeAction(
      reg,
      { tool: 'chmod', args: { path: '/x', mode: '999' }, reason: '' },
      t.ctx,
    );
    expect(r2.output).toContain('octal mode');
    const r3 = await executeAction(
      reg,
      { tool: 'stat', args: { path: '/x', extra: true }, reason: '' },
      t.ctx,
    );
    expect(r3.ok).toBe(false);
    expect(r3.output).toContain('extra');
  });

  it('turns a thrown exception into a failed result', async () => {
    const boom: Tool = {
      name: 'boom',
      description: 'throws',
      schema: z.object({}),
      effect: 'read',
      run: async () => {
        throw new Error('kaboom');
      },
    };
    const r = await executeAction(registryOf([boom]), { tool: 'boom', args: {}, reason: '' }, t.ctx);
    expect(r).toEqual({ ok: false, output: 'boom failed: kaboom', changed: false });
  });

  it('does not start a tool when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await executeAction(
      createBuiltinRegistry(),
      { tool: 'write_file', args: { path: '/etc/x', content: 'x' }, reason: '' },
      { ...t.ctx, signal: ac.signal },
    );
    expect(r.ok).toBe(false);
    expect(r.output).toContain('cancelled');
  });
});

describe('registry', () => {
  it('holds every built-in named in TOOL that is not a system tool', async () => {
    const reg = await createRegistry();
    const fsNames = [
      'bash',
      'read_file',
      'write_file',
      'edit_file',
      'list_dir',
      'stat',
      'mkdir',
      'symlink',
      'chmod',
      'chown',
      'remove',
    ];
    for (const n of fsNames) expect(reg.get(n)?.name).toBe(n);
    for (const tool of reg.list()) expect(Object.values(TOOL)).toContain(tool.name);
  });

  it('gives an LLM a JSON schema per tool, without zod-only formats', () => {
    const schemas = createBuiltinRegistry().jsonSchemas();
    const write = schemas.find((s) => s.name === 'write_file');
    expect(write?.parameters).toMatchObject({
      type: 'object',
      required: ['path', 'content'],
      additionalProperties: false,
      properties: { path: { type: 'string', pattern: '^\\/.*' }, mode: { type: 'string' } },
    });
    expect(JSON.stringify(schemas)).not.toContain('starts_with');
    expect(JSON.stringify(schemas)).not.toContain('$schema');
    for (const s of schemas) expect(s.description.length).toBeGreaterThan(10);
  });

  it('declares effects the gate can rely on', () => {
    const reg = createBuiltinRegistry();
    expect(reg.get('bash')?.effect).toBe('exec');
    expect(reg.get('read_file')?.effect).toBe('read');
    expect(reg.get('stat')?.effect).toBe('read');
    expect(reg.get('remove')?.effect).toBe('write');
  });
});
