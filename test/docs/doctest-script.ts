// Turns the README's marked shell blocks into one bash script that runs every command and checks
// its exit code, so the walkthrough cannot rot. A block is marked by `<!-- doctest -->` on the line
// before its ```sh fence. Conventions inside a block, all plain shell a reader can paste:
//   - a trailing comment saying `exit N` is the exit code the command must give (default 0);
//   - a command ending in `&` runs in the background and is not checked (killed at the end);
//   - a heredoc or a `\` continuation is one command;
//   - `npm ...` lines are the install itself: CI and test/install run them, the doctest skips them.

export interface DoctestCommand {
  /** 1-based line in the markdown file. */
  line: number;
  text: string;
  expect: number | 'background' | 'skip';
}

const FENCE_OPEN = /^```(sh|bash|shell)\s*$/;
const HEREDOC = /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/;

export function doctestCommands(markdown: string): DoctestCommand[] {
  const lines = markdown.split('\n');
  const commands: DoctestCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '<!-- doctest -->') continue;
    if (!FENCE_OPEN.test(lines[i + 1] ?? '')) {
      throw new Error(`README line ${i + 1}: <!-- doctest --> must come right before a \`\`\`sh block`);
    }
    let j = i + 2;
    while (j < lines.length && !(lines[j] ?? '').startsWith('```')) {
      const first = lines[j] ?? '';
      const start = j;
      if (first.trim() === '' || first.trim().startsWith('#')) {
        j++;
        continue;
      }
      const parts = [first];
      const heredoc = HEREDOC.exec(first);
      if (heredoc) {
        const end = heredoc[2];
        j++;
        while (j < lines.length && lines[j] !== end) parts.push(lines[j++] ?? '');
        if (j >= lines.length) throw new Error(`README line ${start + 1}: heredoc ${end} never ends`);
        parts.push(lines[j] ?? '');
      } else {
        while ((parts[parts.length - 1] ?? '').trimEnd().endsWith('\\') && j + 1 < lines.length) {
          parts.push(lines[++j] ?? '');
        }
      }
      j++;
      commands.push({ line: start + 1, text: parts.join('\n'), expect: expectation(first) });
    }
    i = j;
  }
  return commands;
}

function expectation(first: string): DoctestCommand['expect'] {
  if (/^\s*npm\s/.test(first)) return 'skip';
  const code = first.replace(/'[^']*'|"[^"]*"/g, '');
  const hash = code.indexOf(' #');
  const command = hash >= 0 ? code.slice(0, hash) : code;
  const comment = hash >= 0 ? code.slice(hash) : '';
  if (/&\s*$/.test(command)) return 'background';
  const m = /\bexit (\d+)\b/.exec(comment);
  return m ? Number(m[1]) : 0;
}

/** One bash script: each command, then a check of its exit code naming the README line. */
export function doctestScript(commands: DoctestCommand[], file = 'README.md'): string {
  const out = ['set -u', "trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT"];
  for (const c of commands) {
    if (c.expect === 'skip') continue;
    out.push(`echo ${shellQuote(`$ ${c.text.split('\n')[0]}`)} >&2`);
    out.push(c.text);
    if (c.expect === 'background') continue;
    const what = shellQuote(`${file}:${c.line}: \`${c.text.split('\n')[0]}\``);
    out.push(
      `__rc=$?; if [ "$__rc" != ${c.expect} ]; then echo ${what}" exited $__rc, expected ${c.expect}" >&2; exit 1; fi`,
    );
  }
  return `${out.join('\n')}\n`;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
