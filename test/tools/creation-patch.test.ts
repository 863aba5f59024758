import { createTwoFilesPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { creationPatch } from '../../src/tools/creation-patch.js';
import { Rng } from '../chaos/rng.js';

/** A deterministic generator (mulberry32), so a failure names a reproducible input. */
const pieces = [
  'a',
  'line',
  '\n',
  '\r',
  '\r\n',
  ' ',
  '\t',
  '\n\n',
  'é',
  '😀',
  '+',
  '-',
  '\\',
  '@@',
  '\u0000',
];

describe('the patch of a file created from nothing', () => {
  it('is exactly what the diff package prints for the same texts', () => {
    const seeded = new Rng(176);
    const next = () => seeded.next();
    const samples = ['', 'x', 'x\n', 'a\nb', 'a\nb\n', '\n', '\n\n\n', 'no newline at all'];
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const n = Math.floor(next() * 14);
      for (let j = 0; j < n; j++) s += pieces[Math.floor(next() * pieces.length)];
      samples.push(s);
    }
    for (const text of samples) {
      for (const [from, to] of [
        ['/dev/null', 'b/etc/motd'],
        ['a/srv/x y', 'b/srv/x y'],
      ] as const) {
        const reference = createTwoFilesPatch(from, to, '', text, undefined, undefined, { context: 3 });
        expect(creationPatch(from, to, text), JSON.stringify(text)).toBe(reference);
      }
    }
  });

  it('marks a last line without a newline the way diff -u does', () => {
    expect(creationPatch('/dev/null', 'b/f', 'one\ntwo')).toBe(
      '===================================================================\n--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+one\n+two\n\\ No newline at end of file\n',
    );
  });
});
