import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { locateKeys } from '../../src/config/toml-locator.js';

const doc = `# comment line
top = 1
[aios]
data_dir = "/var/lib/aios"   # trailing comment

[llm.openai]
model = "gpt-4"
"quoted key" = 'x'

[security]
dangerous_patterns = [
  "rm -rf /",   # a comment inside an array
  "mkfs.*",
]
motd = """
fake = "not a key"
[not.a.table]
"""
literal = '''
also = "not a key"
'''
inline = { a = 1, b = { c = "d" } }
dotted.key = true

[[resource]]
name = "one"

[[resource]]
name = "two"
`;

describe('locateKeys', () => {
  it('is run only on valid TOML, and this fixture is valid', () => {
    expect(() => parse(doc)).not.toThrow();
  });

  it('finds keys under tables, quoted keys and top-level keys', () => {
    const lines = locateKeys(doc);
    expect(lines.get('top')).toBe(2);
    expect(lines.get('aios')).toBe(3);
    expect(lines.get('aios.data_dir')).toBe(4);
    expect(lines.get('llm.openai')).toBe(6);
    expect(lines.get('llm.openai.model')).toBe(7);
    expect(lines.get('llm.openai.quoted key')).toBe(8);
  });

  it('gives each element of a multi-line array its own line', () => {
    const lines = locateKeys(doc);
    expect(lines.get('security.dangerous_patterns')).toBe(11);
    expect(lines.get('security.dangerous_patterns.0')).toBe(12);
    expect(lines.get('security.dangerous_patterns.1')).toBe(13);
  });

  it('does not mistake the contents of multi-line strings for keys or tables', () => {
    const lines = locateKeys(doc);
    expect(lines.get('security.motd')).toBe(15);
    expect(lines.has('security.fake')).toBe(false);
    expect(lines.has('not.a.table')).toBe(false);
    expect(lines.has('security.also')).toBe(false);
    expect(lines.get('security.literal')).toBe(19);
  });

  it('locates keys inside inline tables and dotted keys', () => {
    const lines = locateKeys(doc);
    expect(lines.get('security.inline.a')).toBe(22);
    expect(lines.get('security.inline.b.c')).toBe(22);
    expect(lines.get('security.dotted.key')).toBe(23);
  });

  it('numbers the entries of an array of tables', () => {
    const lines = locateKeys(doc);
    expect(lines.get('resource.0.name')).toBe(26);
    expect(lines.get('resource.1.name')).toBe(29);
  });

  it('stops quietly on text it does not understand', () => {
    const lines = locateKeys('a = 1\n= broken\nb = 2\n');
    expect(lines.get('a')).toBe(1);
    expect(lines.has('b')).toBe(false);
  });

  it('handles CRLF line endings, indented headers and spaced dotted headers', () => {
    const text = '[aios]\r\ndata_dir = "/d"\r\n  [ llm . openai ]\r\n  model = "m"\r\n';
    expect(() => parse(text)).not.toThrow();
    const lines = locateKeys(text);
    expect(lines.get('aios.data_dir')).toBe(2);
    expect(lines.get('llm.openai')).toBe(3);
    expect(lines.get('llm.openai.model')).toBe(4);
  });

  it('skips escaped quotes inside multi-line basic strings', () => {
    const text = 'a = """one \\""" still inside\nb = 1 """\nc = 2\n';
    expect(parse(text)).toEqual({ a: 'one """ still inside\nb = 1 ', c: 2 });
    const lines = locateKeys(text);
    expect(lines.has('b')).toBe(false);
    expect(lines.get('c')).toBe(3);
  });

  it('numbers inline tables inside arrays', () => {
    const text = 'x = [{ a = 1 }, { a = 2 }]\n';
    const lines = locateKeys(text);
    expect(lines.get('x.0.a')).toBe(1);
    expect(lines.get('x.1.a')).toBe(1);
  });
});
