// observeFile's content comparison: equal exactly when the bytes are the wanted text encoded as
// UTF-8, whether it compares decoded text (the fast path) or bytes. Each case writes a real file
// under a temp root and asserts what observe reports about it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { observeFile } from '../../controllers/file-state.js';
import { RootPath } from '../../src/host/root-path.js';

let dir: string;
let root: RootPath;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aios-observe-content-'));
  fs.mkdirSync(path.join(dir, 'etc'));
  root = new RootPath(dir);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const put = (name: string, data: string | Buffer) => fs.writeFileSync(path.join(dir, 'etc', name), data);
const observe = (name: string, content: string, sensitive = false) =>
  observeFile({ path: `/etc/${name}`, state: 'present', content, sensitive }, root);

describe('observing a file whose contents are managed', () => {
  it('finds equal bytes equal, for plain, multi-byte and empty contents', async () => {
    for (const [name, text] of [
      ['a', 'hello\n'],
      ['b', 'grüße 😀\n'],
      ['c', ''],
    ] as const) {
      put(name, text);
      expect(await observe(name, text)).toMatchObject({ type: 'file', contentSame: true });
    }
  });

  it('tells apart files of the same size that differ in one byte, and keeps their text for the diff', async () => {
    put('a', 'hello\n');
    const seen = await observe('a', 'hellO\n');
    expect(seen.contentSame).toBe(false);
    expect(seen.current).toEqual({ text: 'hello\n' });
    // Same byte length, different characters: é (2 bytes) against "e\n"-free two ASCII bytes.
    put('b', 'caf\u00e9');
    expect((await observe('b', 'cafe!')).contentSame).toBe(false);
  });

  it('compares bytes, not decoded text: invalid UTF-8 never equals its replacement character', async () => {
    // F0 9F 98 decodes to one U+FFFD, which is three bytes long too.
    put('bin', Buffer.from([0xf0, 0x9f, 0x98]));
    expect((await observe('bin', '\ufffd')).contentSame).toBe(false);
  });

  it('keeps a sensitive file\u2019s differing contents out of what it observed', async () => {
    put('secret', 'old-pass');
    const seen = await observe('secret', 'new-pass', true);
    expect(seen.contentSame).toBe(false);
    expect(seen.current).toBeUndefined();
  });

  it('compares large files whole', async () => {
    const big = `${'x'.repeat(2 * 1024 * 1024)}\n`;
    put('big', big);
    expect((await observe('big', big)).contentSame).toBe(true);
    expect((await observe('big', `${'x'.repeat(2 * 1024 * 1024)}!`)).contentSame).toBe(false);
  });

  it('keeps a byte order mark and compares a lone surrogate as the bytes it encodes to', async () => {
    put('bom', '\ufeffhello');
    expect((await observe('bom', '\ufeffhello')).contentSame).toBe(true);
    expect((await observe('bom', 'hel\ufefflo')).contentSame).toBe(false);
    // A lone surrogate encodes as EF BF BD, the bytes of U+FFFD: byte for byte, those are equal.
    put('lone', Buffer.from([0xef, 0xbf, 0xbd]));
    expect((await observe('lone', '\ud800')).contentSame).toBe(true);
    expect((await observe('lone', '\ufffd')).contentSame).toBe(true);
  });

  it('judges each file on its own bytes: a long file then a short one', async () => {
    put('long', 'L'.repeat(5000));
    put('short', 'S');
    expect((await observe('long', 'L'.repeat(5000))).contentSame).toBe(true);
    expect((await observe('short', 'S')).contentSame).toBe(true);
    expect((await observe('short', 'L')).contentSame).toBe(false);
  });
});
