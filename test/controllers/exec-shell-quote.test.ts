import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../controllers/shell-quote.js';
import { spawnRunner } from '../../src/host/process-runner.js';

describe('shellQuote', () => {
  it('leaves plain words alone', () => {
    expect(shellQuote('net.ipv4.ip_forward=1')).toBe('net.ipv4.ip_forward=1');
    expect(shellQuote('/usr/bin/x')).toBe('/usr/bin/x');
  });

  it('turns any string into exactly one bash word with the same bytes', async () => {
    const tricky = [
      "it's",
      'a b',
      '$HOME',
      '`id`',
      '$(id)',
      'x;rm -rf /tmp/nothing',
      'line\nbreak',
      '"',
      '\\',
      '*',
      '',
    ];
    const line = tricky.map((s) => `printf '%s\\0' ${shellQuote(s)}`).join('; ');
    const r = await spawnRunner(['bash', '-c', line]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(tricky);
  });
});
