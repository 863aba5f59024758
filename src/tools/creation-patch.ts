// The unified diff of a file that did not exist before: what `createTwoFilesPatch(old, new, '',
// text)` of the `diff` package prints, built directly. Every line is an addition, so there is
// nothing for the Myers algorithm to find, and a first apply of thousands of files would otherwise
// run it twice per file (the plan's diff, the write_file tool's output). Pure; test/tools checks it
// against the package on many inputs so the two cannot drift apart.

const SEPARATOR = '===================================================================\n';

export function creationPatch(oldName: string, newName: string, text: string): string {
  const head = `${SEPARATOR}--- ${oldName}\n+++ ${newName}\n`;
  if (text === '') return head;
  const lines = text.split('\n');
  const endsWithNewline = lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  let body = `@@ -0,0 +1,${lines.length} @@\n`;
  for (const line of lines) body += `+${line}\n`;
  if (!endsWithNewline) body += '\\ No newline at end of file\n';
  return head + body;
}
