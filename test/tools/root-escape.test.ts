// Links inside a --root image that point at absolute paths must resolve inside the root. Each
// test plants a "victim" file on the machine (in a temp dir outside the root) and a link in the
// root whose absolute target names it, then checks every tool leaves the victim alone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executeAction } from '../../src/tools/execute.js';
import { createBuiltinRegistry } from '../../src/tools/registry.js';
import type { ToolResult } from '../../src/tools/tool.js';
import { makeTempRoot, type TempRoot } from './tool-fixture.js';

let t: TempRoot;
let outside: string;
let victim: string;
const registry = createBuiltinRegistry();
const call = (tool: string, args: Record<string, unknown>): Promise<ToolResult> =>
  executeAction(registry, { tool, args, reason: 'test' }, t.ctx);

beforeEach(() => {
  t = makeTempRoot();
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-victim-'));
  victim = path.join(outside, 'victim');
  fs.writeFileSync(victim, 'machine data\n');
  fs.chmodSync(victim, 0o644);
  // A link whose target is the machine path of the victim's directory, and one to the file.
  fs.symlinkSync(outside, t.real('dirlink'));
  fs.symlinkSync(victim, t.real('filelink'));
});
afterEach(() => {
  t.cleanup();
  fs.rmSync(outside, { recursive: true, force: true });
});

function victimUntouched(): void {
  const st = fs.statSync(victim);
  expect(fs.readFileSync(victim, 'utf8')).toBe('machine data\n');
  expect(st.mode & 0o7777).toBe(0o644);
  expect([st.uid, st.gid]).toEqual([0, 0]);
}

describe('tools under --root never follow a link out of the root', () => {
  it('read_file and list_dir read the root, not the machine', async () => {
    expect((await call('read_file', { path: '/filelink' })).ok).toBe(false);
    expect((await call('read_file', { path: '/dirlink/victim' })).ok).toBe(false);
    expect((await call('list_dir', { path: '/dirlink' })).ok).toBe(false);
  });

  it('write_file and edit_file write inside the root', async () => {
    // The link's target, taken inside the root, has no parent directory there: refused.
    expect((await call('write_file', { path: '/filelink', content: 'pwned' })).ok).toBe(false);
    expect((await call('write_file', { path: '/dirlink/victim', content: 'pwned' })).ok).toBe(false);
    expect((await call('edit_file', { path: '/filelink', old_text: 'machine', new_text: 'x' })).ok).toBe(
      false,
    );
    // Once the target exists inside the root, that is what gets written.
    fs.mkdirSync(t.real(outside), { recursive: true });
    expect((await call('write_file', { path: '/filelink', content: 'inside' })).ok).toBe(true);
    expect(fs.readFileSync(t.real(victim), 'utf8')).toBe('inside');
    victimUntouched();
  });

  it('chmod, chown and mkdir change nothing on the machine', async () => {
    expect((await call('chmod', { path: '/filelink', mode: '0600' })).ok).toBe(false);
    expect((await call('chown', { path: '/dirlink/victim', owner: 'alice' })).ok).toBe(false);
    expect((await call('mkdir', { path: '/dirlink/newdir', parents: true })).ok).toBe(true);
    expect(fs.existsSync(path.join(outside, 'newdir'))).toBe(false);
    expect(fs.statSync(t.real(path.join(outside, 'newdir'))).isDirectory()).toBe(true);
    victimUntouched();
  });

  it('remove and symlink act inside the root', async () => {
    expect(await call('remove', { path: '/dirlink/victim' })).toMatchObject({ ok: true, changed: false });
    expect(await call('symlink', { path: '/dirlink/victim', target: '/x' })).toMatchObject({ ok: false });
    expect(await call('remove', { path: '/filelink' })).toMatchObject({ ok: true, changed: true });
    expect(fs.existsSync(t.real('filelink'))).toBe(false);
    victimUntouched();
  });
});
