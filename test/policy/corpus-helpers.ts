// Reads the command corpora in test/policy/corpus/ (one command per line, "# " comments).
import { readFileSync } from 'node:fs';

export function corpus(name: string): string[] {
  const text = readFileSync(new URL(`./corpus/${name}`, import.meta.url), 'utf8');
  return text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('# '));
}
