// Example in-process plugin for aios (docs/writing-a-tool-plugin.md): counts the lines of a file
// under the managed root. Copy it into your [tools] plugins_dir to use it.
import fs from 'node:fs/promises';

export const manifest = {
  name: 'count_lines',
  description: 'Count the lines of a text file (a host path, read under the managed root).',
  effect: 'read',
  parameters: {
    type: 'object',
    properties: {
      path: { type: 'string', pattern: '^/', description: 'absolute host path of the file' },
    },
    required: ['path'],
    additionalProperties: false,
  },
};

// args are already validated against manifest.parameters. ctx.root.real() maps a host path under
// `--root` and refuses `..` escapes. Return a string, or {ok, output, data?, changed?}.
export async function run(args, ctx) {
  const text = await fs.readFile(ctx.root.real(args.path), 'utf8');
  const lines = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  return { ok: true, output: `${lines} lines in ${args.path}`, data: { lines }, changed: false };
}
