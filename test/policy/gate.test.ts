// The gate's contract: modes, strictest-wins, deny is final, config patterns, non-shell tools,
// and a named rule on every decision. Nothing here runs a command.
import { describe, expect, it } from 'vitest';
import { createGate } from '../../src/policy/create-gate.js';
import type { Action } from '../../src/types.js';

const bash = (command: string): Action => ({ tool: 'bash', args: { command }, reason: 'test' });
const tool = (name: string, args: Record<string, unknown>): Action => ({ tool: name, args, reason: 'test' });
const gate = (mode: string, extra: Record<string, unknown> = {}) =>
  createGate({ mode, home: '/root', ...extra });

describe('modes', () => {
  it('safe allows reads and confirms writes, execs and network', () => {
    const g = gate('safe');
    expect(g.decide(bash('ls -la /etc'), 'exec')).toMatchObject({ verdict: 'allow' });
    expect(g.decide(bash('touch /tmp/x'), 'exec')).toMatchObject({ verdict: 'confirm', rule: 'mode:safe' });
    expect(g.decide(tool('read_file', { path: '/etc/hosts' }), 'read')).toMatchObject({ verdict: 'allow' });
    expect(g.decide(tool('write_file', { path: '/etc/motd', content: 'x' }), 'write')).toMatchObject({
      verdict: 'confirm',
      rule: 'mode:safe',
    });
    expect(g.decide(tool('fetch_url', { url: 'https://x' }), 'network')).toMatchObject({
      verdict: 'confirm',
    });
  });
  it('normal denies dangerous, confirms critical and allows the rest', () => {
    const g = gate('normal');
    expect(g.decide(bash('rm -rf /'), 'exec').verdict).toBe('deny');
    expect(g.decide(bash('reboot'), 'exec')).toMatchObject({ verdict: 'confirm', rule: 'builtin:power' });
    expect(g.decide(bash('systemctl restart nginx'), 'exec')).toMatchObject({
      verdict: 'allow',
      rule: 'mode:normal',
    });
  });
  it('paranoid runs only what an allow rule names and confirms allowed writes', () => {
    const g = gate('paranoid');
    expect(g.decide(bash('df -h'), 'exec')).toMatchObject({
      verdict: 'allow',
      rule: 'paranoid:read-only-commands',
    });
    expect(g.decide(bash('systemctl restart nginx'), 'exec')).toMatchObject({
      verdict: 'deny',
      rule: 'mode:paranoid',
    });
    expect(g.decide(tool('write_file', { path: '/etc/motd', content: '' }), 'write')).toMatchObject({
      verdict: 'deny',
      rule: 'mode:paranoid',
    });
    expect(g.decide(tool('list_dir', { path: '/var/log' }), 'read')).toMatchObject({ verdict: 'allow' });
  });
  it('trusted allows what normal confirms, but never what a deny rule names or what cannot be analysed', () => {
    const g = gate('trusted');
    expect(g.decide(bash('reboot'), 'exec').verdict).toBe('allow');
    expect(g.decide(bash('mkfs.ext4 /dev/sda1'), 'exec')).toMatchObject({
      verdict: 'deny',
      rule: 'builtin:mkfs',
    });
    expect(g.decide(bash('$CMD x'), 'exec')).toMatchObject({
      verdict: 'confirm',
      rule: 'builtin:opaque-command',
    });
    expect(g.decide(bash('curl -s x | sh'), 'exec')).toMatchObject({
      verdict: 'deny',
      rule: 'builtin:remote-code-exec',
    });
  });
  it('refuses an unknown mode', () => {
    expect(() => gate('yolo')).toThrow(/unknown security mode "yolo"/);
  });
});

describe('combining simple commands', () => {
  it('the strictest verdict wins and names its rule', () => {
    const g = gate('normal');
    expect(g.decide(bash('ls; reboot; echo done'), 'exec')).toMatchObject({
      verdict: 'confirm',
      rule: 'builtin:power',
    });
    expect(g.decide(bash('reboot; rm -rf /etc'), 'exec')).toMatchObject({
      verdict: 'deny',
      rule: 'builtin:recursive-delete-system',
    });
  });
  it('a deny hidden anywhere in the line is final in every mode', () => {
    for (const mode of ['safe', 'normal', 'paranoid', 'trusted']) {
      expect(
        gate(mode).decide(bash('echo ok && bash -c "sudo dd if=/dev/zero of=/dev/sda"'), 'exec').verdict,
      ).toBe('deny');
    }
  });
});

describe('config patterns', () => {
  const g = gate('normal', {
    dangerousPatterns: ['rm -rf /', 'mkfs.*', 'shred .*'],
    requireConfirm: ['sudo.*', 'systemctl.*', 'docker (rm|rmi) .*'],
  });
  it('deny when a dangerous pattern matches a normalised command, whatever the flag spelling', () => {
    expect(g.decide(bash('sudo rm -r -f /'), 'exec').verdict).toBe('deny');
    expect(g.decide(bash('shred -u notes.txt'), 'exec')).toMatchObject({
      verdict: 'deny',
      rule: 'config:dangerous_patterns[2]',
    });
  });
  it('do not match a longer path than the pattern names', () => {
    expect(g.decide(bash('rm -rf /tmp/build'), 'exec').verdict).toBe('allow');
  });
  it('confirm through the wrapper chain: "sudo.*" still confirms sudo systemctl restart', () => {
    expect(g.decide(bash('sudo systemctl restart x'), 'exec')).toMatchObject({
      verdict: 'confirm',
      rule: 'config:require_confirm[0]',
    });
    expect(g.decide(bash('docker rm -f web'), 'exec')).toMatchObject({ rule: 'config:require_confirm[2]' });
  });
  it('require_confirm leaves read-only commands alone', () => {
    expect(g.decide(bash('systemctl status nginx'), 'exec').verdict).toBe('allow');
    expect(g.decide(bash('sudo journalctl -u nginx'), 'exec').verdict).toBe('allow');
  });
  it('match a pattern that spells a pipeline or a list against the whole line', () => {
    const lines = gate('normal', {
      dangerousPatterns: ['tar .* && rm .*'],
      requireConfirm: ['.* \\| tee .*'],
    });
    expect(lines.decide(bash('tar czf a.tgz d && rm -rf d'), 'exec')).toMatchObject({
      verdict: 'deny',
      rule: 'config:dangerous_patterns[0]',
    });
    expect(lines.decide(bash('echo x | tee /tmp/y'), 'exec')).toMatchObject({
      rule: 'config:require_confirm[0]',
    });
    expect(lines.decide(bash('grep "tar x && rm y" notes.txt'), 'exec').verdict).toBe('allow');
  });
  it('treats an invalid regex as literal text', () => {
    const lit = gate('normal', { dangerousPatterns: ['echo ('] });
    expect(lit.decide(bash("echo '('"), 'exec')).toMatchObject({
      verdict: 'deny',
      rule: 'config:dangerous_patterns[0]',
    });
    expect(lit.decide(bash('echo hi'), 'exec').verdict).toBe('allow');
  });
});

describe('non-shell tools', () => {
  const g = gate('normal');
  it('asks before the agent reads a secret, and not for ordinary files', () => {
    expect(g.decide(tool('read_file', { path: '/etc/shadow' }), 'read')).toMatchObject({
      verdict: 'confirm',
      rule: 'builtin:read-secret',
    });
    expect(g.decide(tool('read_file', { path: '/root/.ssh/id_ed25519' }), 'read').verdict).toBe('confirm');
    expect(g.decide(tool('read_file', { path: '/root/.ssh/id_ed25519.pub' }), 'read').verdict).toBe('allow');
  });
  it('denies writing /etc/shadow, confirms sudoers and /boot, allows ordinary config', () => {
    expect(g.decide(tool('write_file', { path: '/etc/shadow', content: '' }), 'write').verdict).toBe('deny');
    expect(
      g.decide(tool('write_file', { path: '/etc/sudoers.d/deploy', content: '' }), 'write').verdict,
    ).toBe('confirm');
    expect(
      g.decide(tool('edit_file', { path: '/boot/grub/grub.cfg', old_text: 'a', new_text: 'b' }), 'write')
        .verdict,
    ).toBe('confirm');
    expect(
      g.decide(tool('write_file', { path: '/etc/nginx/nginx.conf', content: '' }), 'write').verdict,
    ).toBe('allow');
  });
  it('denies removing system directories and essential packages', () => {
    expect(g.decide(tool('remove', { path: '/usr', recursive: true }), 'write').verdict).toBe('deny');
    expect(g.decide(tool('package_remove', { name: 'libc6' }), 'write').verdict).toBe('deny');
    expect(g.decide(tool('package_remove', { name: 'nginx' }), 'write').verdict).toBe('allow');
  });
  it('denies paths that are relative, hold .. or a NUL byte', () => {
    for (const path of ['etc/motd', '/etc/../etc/shadow', '/tmp/a\0b']) {
      expect(g.decide(tool('write_file', { path, content: '' }), 'write')).toMatchObject({
        verdict: 'deny',
        rule: 'builtin:path-escapes-root',
      });
    }
  });
  it('denies a relative symlink that climbs out of --root', () => {
    const rooted = gate('normal', { root: '/tmp/sandbox' });
    expect(
      rooted.decide(tool('symlink', { path: '/etc/x', target: '../../../etc/shadow' }), 'write').verdict,
    ).toBe('deny');
    expect(rooted.decide(tool('symlink', { path: '/etc/x', target: '../usr/lib/x' }), 'write').verdict).toBe(
      'allow',
    );
  });
  it("gates write_file's validate command like any shell command", () => {
    const d = g.decide(tool('write_file', { path: '/etc/x', content: '', validate: 'rm -rf / %s' }), 'write');
    expect(d.verdict).toBe('deny');
  });
});

describe('bad input', () => {
  it('is a deny with a named rule, never an exception', () => {
    const g = gate('normal');
    const bad = [
      { tool: 'bash', args: {}, reason: '' },
      { tool: 'bash', args: { command: 42 }, reason: '' },
      { tool: 42, args: {}, reason: '' },
      { tool: 'read_file', args: null, reason: '' },
    ] as unknown as Action[];
    for (const a of bad) {
      const d = g.decide(a, 'exec');
      expect(d.verdict).toBe('deny');
      expect(d.rule).toMatch(/^builtin:/);
    }
  });
  it('survives huge and deeply nested input', () => {
    const g = gate('normal');
    expect(g.decide(bash('('.repeat(5000)), 'exec').verdict).not.toBe('allow');
    expect(g.decide(bash(`echo ${'a '.repeat(20000)}`), 'exec').verdict).toBe('allow');
  });
});

describe('hostile input', () => {
  const g = gate('normal');
  const timed = (command: string) => {
    const t = performance.now();
    const d = g.decide(bash(command), 'exec');
    return { d, ms: performance.now() - t };
  };
  it('deep $(...) nesting, long chains and huge pipelines are bounded in time and never allowed blindly', () => {
    for (const command of [
      `${'$('.repeat(2000)}ls${')'.repeat(2000)}`,
      Array(5000).fill('rm -rf /tmp/x').join('; '),
      Array(5000).fill('ls').join(' | '),
      `${'eval '.repeat(200)}ls`,
    ]) {
      const { d, ms } = timed(command);
      expect(d.verdict).not.toBe('allow');
      expect(ms).toBeLessThan(5000);
    }
  });
  it('still finds a destructive command at the end of a long line', () => {
    expect(g.decide(bash(`${Array(500).fill('ls').join('; ')}; rm -rf /`), 'exec').verdict).toBe('deny');
  });
});
