import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configEntries, maskedConfig } from '../../src/config/config-entries.js';
import { loadConfig } from '../../src/config/load-config.js';
import { displayValue, isSecretKey, maskSecret } from '../../src/config/secrets.js';
import { isolatedEnv, tempDir, writeFile } from './helpers.js';

describe('secret masking', () => {
  it('recognises keys named like key, token, secret or password', () => {
    expect(isSecretKey('llm.openai.api_key')).toBe(true);
    expect(isSecretKey('x.github_token')).toBe(true);
    expect(isSecretKey('x.client_secret')).toBe(true);
    expect(isSecretKey('x.PASSWORD')).toBe(true);
    expect(isSecretKey('llm.openai.model')).toBe(false);
    expect(isSecretKey('keyboard.layout')).toBe(false);
  });

  it('masks strings, keeping only the last 4 characters of long values', () => {
    expect(maskSecret('sk-abcdefghijklmnopqrstuvwxyz1234')).toBe('****1234');
    expect(maskSecret('short')).toBe('****');
    expect(maskSecret('')).toBe('');
    expect(displayValue('llm.max_tokens', 4096)).toBe(4096);
  });

  it('never lets an API key from a file or the environment into the entries', async () => {
    const dir = tempDir();
    const fileKey = 'sk-file-0123456789abcdefghij';
    const envKey = 'sk-ant-env-0123456789abcdefgh';
    const file = writeFile(dir, 'c.toml', `[llm.openai]\napi_key = "${fileKey}"\n`);
    const loaded = await loadConfig({
      configPath: file,
      env: isolatedEnv(dir, { AIOS_LLM__ANTHROPIC__API_KEY: envKey }),
      systemConfigPath: path.join(dir, 'none.toml'),
    });
    expect(loaded.config.llm.openai.api_key).toBe(fileKey);
    const entries = configEntries(loaded);
    const shown = JSON.stringify({ entries, config: maskedConfig(entries) });
    expect(shown).not.toContain(fileKey);
    expect(shown).not.toContain(envKey);
    expect(entries.find((e) => e.key === 'llm.openai.api_key')).toMatchObject({
      value: '****ghij',
      from: `${file}:2`,
    });
    expect(entries.find((e) => e.key === 'llm.anthropic.api_key')?.from).toBe(
      'env AIOS_LLM__ANTHROPIC__API_KEY',
    );
  });
});
