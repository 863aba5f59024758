// The pieces under the gate: path patterns, wrapper grammars, config patterns and the load cache.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compilePattern } from '../../src/policy/config-patterns.js';
import { readCache, writeCache } from '../../src/policy/load-cache.js';
import { pathMatches, resolvePath } from '../../src/policy/path-normalise.js';
import { analyzeShell } from '../../src/policy/shell-analysis.js';
import { shellSubject } from '../../src/policy/subjects.js';
import { splitWrapper } from '../../src/policy/wrappers.js';

describe('paths', () => {
  it('normalise absolute and relative paths without touching the file system', () => {
    expect(resolvePath('//etc/./nginx/../', undefined)).toBe('/etc');
    expect(resolvePath('/..', undefined)).toBe('/');
    expect(resolvePath('build/../out', '/srv')).toBe('/srv/out');
    expect(resolvePath('./x/../y', undefined)).toBe('y');
    expect(resolvePath('../../z', undefined)).toBe('../../z');
  });
  it('match patterns with *, ** and ?, and globs that could expand to them', () => {
    expect(pathMatches('/boot/grub/grub.cfg', '/boot/**', false)).toBe(true);
    expect(pathMatches('/boot', '/boot/**', false)).toBe(true);
    expect(pathMatches('/etc/ssh/x', '/etc/*', false)).toBe(false);
    expect(pathMatches('/e?c', '/etc', true)).toBe(true);
    expect(pathMatches('/*', '/usr', true)).toBe(true);
    expect(pathMatches('/usr/*', '/usr', true)).toBe(true);
    expect(pathMatches('/var/log/*', '/var', true)).toBe(false);
    expect(pathMatches('server.key', '**/*.key', false)).toBe(true);
  });
});

describe('wrapper grammars', () => {
  const split = (line: string) => {
    const words = line.split(' ');
    const w = splitWrapper(words[0] ?? '', words);
    return w && { label: w.label, rest: words.slice(w.rest).join(' '), cwd: w.cwd, script: w.script };
  };
  it('skip the options that take values', () => {
    expect(split('sudo -u root -g wheel rm x')).toMatchObject({
      label: 'sudo -u root -g wheel',
      rest: 'rm x',
    });
    expect(split('sudo -uroot rm x')).toMatchObject({ rest: 'rm x' });
    expect(split('timeout -k 5 -s KILL 30 rm x')).toMatchObject({ rest: 'rm x' });
    expect(split('nice -n 10 rm x')).toMatchObject({ rest: 'rm x' });
    expect(split('ionice -c 2 -n 7 rm x')).toMatchObject({ rest: 'rm x' });
    expect(split('env -u HOME A=1 B=2 rm x')).toMatchObject({ rest: 'rm x' });
  });
  it('report a changed directory or a command string', () => {
    expect(split('sudo -D /srv rm x')).toMatchObject({ cwd: '/srv', rest: 'rm x' });
    expect(split('env -C /srv rm x')).toMatchObject({ cwd: '/srv' });
    expect(split('su -c id root')).toMatchObject({ script: 'id' });
    expect(split('ssh -p 22 host uptime -p')).toMatchObject({ label: 'ssh host', script: 'uptime -p' });
  });
  it('wrap nothing when no command follows or the option only queries', () => {
    expect(split('sudo -l')).toBeUndefined();
    expect(split('command -v rm')).toBeUndefined();
    expect(split('env')).toBeUndefined();
    expect(split('timeout 5')).toBeUndefined();
  });
});

describe('config patterns', () => {
  const matches = (pattern: string, line: string) => {
    const m = compilePattern(pattern);
    return analyzeShell(line).commands.some((c) => m(shellSubject(c)));
  };
  it('match a plain command structurally, whatever the flag spelling or extra flags', () => {
    for (const line of [
      'rm -rf /',
      'rm -fr /',
      'rm -r -f //',
      'sudo rm --recursive --force /',
      'rm -rfv --no-preserve-root /',
    ]) {
      expect(matches('rm -rf /', line)).toBe(true);
    }
    expect(matches('rm -rf /', 'rm -rf /tmp/x')).toBe(false);
    expect(matches('rm -rf /', 'rm -f /')).toBe(false);
  });
  it('match a regex against the whole command, also behind its wrappers', () => {
    expect(matches('mkfs.*', 'mkfs.ext4 /dev/sda1')).toBe(true);
    expect(matches('mkfs.*', 'echo mkfs.ext4')).toBe(false);
    expect(matches('sudo.*', 'sudo -u app bash -c "systemctl restart x"')).toBe(true);
    expect(matches('systemctl (restart|stop) .*', 'systemctl restart nginx')).toBe(true);
    expect(matches('systemctl (restart|stop) .*', 'systemctl status nginx')).toBe(false);
  });
});

describe('the load cache', () => {
  const saved = process.env.TMPDIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  });
  it('round-trips entries in a private directory', () => {
    process.env.TMPDIR = mkdtempSync(path.join(os.tmpdir(), 'aios-cache-'));
    writeCache('k', 'v');
    expect(readCache('k')).toBe('v');
    const dir = readdirSync(process.env.TMPDIR)[0] ?? '';
    expect(dir).toMatch(/^aios-policy-cache-\d+$/);
  });
  it('ignores a directory others can write to', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'aios-cache-'));
    process.env.TMPDIR = tmp;
    const dir = path.join(tmp, `aios-policy-cache-${process.getuid?.() ?? 0}`);
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    writeCache('k', 'v');
    expect(existsSync(path.join(dir, 'k'))).toBe(false);
    expect(readCache('k')).toBeUndefined();
  });
});
