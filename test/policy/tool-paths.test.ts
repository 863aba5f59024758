// The paths of non-shell tool calls against rules that list many patterns and exceptions: the gate
// tests a plain path against all of a rule's patterns at once, and a path holding glob characters
// pattern by pattern. Both must decide what the rules say.
import { describe, expect, it } from 'vitest';
import { createGate } from '../../src/policy/create-gate.js';

const gate = createGate({ mode: 'normal', home: '/root' });
const write = (path: string) =>
  gate.decide({ tool: 'write_file', args: { path, content: '' }, reason: 't' }, 'write');

describe('a write_file path against rules of many patterns', () => {
  it('names the rule of whichever pattern matches, first, middle or last in its list', () => {
    for (const p of ['/dev/sda', '/dev/sda1', '/dev/mapper/vg0-root']) {
      expect(write(p)).toMatchObject({ verdict: 'deny', rule: 'builtin:raw-disk-write' });
    }
    expect(write('/etc/gshadow-')).toMatchObject({ verdict: 'deny', rule: 'builtin:shadow-tool-write' });
    expect(write('/etc/pam.d/sshd')).toMatchObject({
      verdict: 'confirm',
      rule: 'builtin:auth-files-tool-write',
    });
    expect(write('/etc/sudoers.d/90-x')).toMatchObject({
      verdict: 'confirm',
      rule: 'builtin:auth-files-tool-write',
    });
    expect(write('/proc/sys/kernel/panic_on_oops')).toMatchObject({
      verdict: 'deny',
      rule: 'builtin:sysrq-trigger',
    });
  });

  it('leaves paths no pattern names, or an exception names, to the mode', () => {
    for (const p of ['/dev/null', '/dev/shm/scratch', '/srv/www/index.html', '/etc/motd', '/etc/shadowx']) {
      expect(write(p)).toMatchObject({ verdict: 'allow', rule: 'mode:normal' });
    }
  });

  it('still matches a path holding glob characters against each pattern', () => {
    expect(write('/etc/sha*')).toMatchObject({ verdict: 'deny', rule: 'builtin:shadow-tool-write' });
    expect(write('/boot/*')).toMatchObject({ verdict: 'confirm', rule: 'builtin:boot-tool-write' });
  });
});
