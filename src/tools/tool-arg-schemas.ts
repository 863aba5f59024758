// Argument schemas of the built-in tools (their names are in tool-args.ts). Controllers plan Actions
// in these shapes, the registry validates with them, and their JSON schema is what an LLM sees.
// Only the tools import this module: controllers must not, or zod loads on every `aios apply`
// (decision 172).
import { z } from 'zod';

const absPath = z.string().startsWith('/', 'must be an absolute path').describe('absolute path on the host');
const octalMode = z
  .string()
  .regex(/^0?[0-7]{3,4}$/, 'must be an octal mode like "0644"')
  .describe('octal mode, e.g. "0644"');

export const bashArgs = z.strictObject({
  command: z.string().min(1).describe('a bash command line'),
  cwd: z.string().optional().describe('working directory (host path)'),
  timeout: z.number().int().positive().optional().describe('seconds before the command is killed'),
});

export const readFileArgs = z.strictObject({
  path: absPath,
  max_bytes: z.number().int().positive().optional(),
});

export const writeFileArgs = z.strictObject({
  path: absPath,
  content: z.string().describe('the whole new content (utf-8)'),
  mode: octalMode.optional(),
  owner: z.string().optional().describe('user name or numeric uid'),
  group: z.string().optional().describe('group name or numeric gid'),
  validate: z.string().optional().describe('command run on the temp file first; %s is its path'),
});

export const editFileArgs = z.strictObject({
  path: absPath,
  old_text: z.string().min(1).describe('exact text to replace; must occur exactly once'),
  new_text: z.string(),
});

export const listDirArgs = z.strictObject({ path: absPath });
export const statArgs = z.strictObject({ path: absPath });

export const mkdirArgs = z.strictObject({
  path: absPath,
  mode: octalMode.optional(),
  owner: z.string().optional(),
  group: z.string().optional(),
  parents: z.boolean().optional(),
});

export const symlinkArgs = z.strictObject({
  path: absPath.describe('the link to create or replace'),
  target: z.string().min(1).describe('what the link points to'),
});

export const chmodArgs = z.strictObject({ path: absPath, mode: octalMode });
export const chownArgs = z.strictObject({
  path: absPath,
  owner: z.string().optional(),
  group: z.string().optional(),
});

export const removeArgs = z.strictObject({
  path: absPath,
  recursive: z.boolean().optional(),
});

export const packageArgs = z.strictObject({
  name: z.string().min(1),
  version: z.string().optional().describe('exact version to install (pin)'),
});

export const serviceArgs = z.strictObject({ name: z.string().min(1) });

export const userArgs = z.strictObject({
  name: z.string().min(1),
  uid: z.number().int().nonnegative().optional(),
  gid: z.union([z.number().int().nonnegative(), z.string()]).optional(),
  groups: z.array(z.string()).optional(),
  home: z.string().optional(),
  shell: z.string().optional(),
  comment: z.string().optional(),
  system: z.boolean().optional(),
  create_home: z.boolean().optional(),
});

export const groupArgs = z.strictObject({
  name: z.string().min(1),
  gid: z.number().int().nonnegative().optional(),
  system: z.boolean().optional(),
});

export const removeNamedArgs = z.strictObject({ name: z.string().min(1) });
