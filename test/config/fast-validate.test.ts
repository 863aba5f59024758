import { describe, expect, it } from 'vitest';
import { fastParse } from '../../src/config/fast-validate.js';
import { configSchema } from '../../src/config/schema.js';

// Valid configs: the fast validator must return exactly what zod returns.
const valid: unknown[] = [
  {},
  { aios: { data_dir: '/d' } },
  { llm: { ollama: { model: 'llama3' } } },
  { llm: { openai: { api_key: 'k', timeout: '1m30s' }, max_steps: 1 } },
  { recovery: { paths: [], exclude: ['*.tmp'], snapshot_interval: '*/10 * * * *', keep_daily: 0 } },
  { recovery: { snapshot_interval: '15m' }, security: { mode: 'trusted', approval_timeout: '2h' } },
  { controller: { root: '/srv/root', watch: false, resync_interval: '30s' }, memory: {} },
  { tools: { max_output_bytes: 1 }, runtime: { debounce_ms: 0 } },
];

// Invalid or unknown-key configs: the fast validator must refuse (undefined), so zod explains them.
const refused: unknown[] = [
  { aios: { data_dir: 3 } },
  { aios: { colour: 'red' } },
  { extras: {} },
  { security: 'paranoid' },
  { security: { mode: 'wild' } },
  { llm: { max_steps: 0 } },
  { llm: { max_steps: 2.5 } },
  { runtime: { debounce_ms: -1 } },
  { recovery: { paths: ['/etc', 5] } },
  { recovery: { snapshot_interval: '7m' } },
  { controller: { resync_interval: 'soon' } },
  { memory: { path: null } },
  { agents: { core_agent: 'yes' } },
  { llm: { openai: { timeout: 60 } } },
  [],
];

describe('fastParse', () => {
  it.each(valid.map((v) => [JSON.stringify(v), v]))('returns what zod returns for %s', (_name, raw) => {
    const fast = fastParse(raw);
    expect(fast).toBeDefined();
    expect(fast).toEqual(configSchema.parse(raw));
  });

  it.each(refused.map((v) => [JSON.stringify(v), v]))(
    'refuses %s, which zod rejects or warns about',
    (_name, raw) => {
      expect(fastParse(raw)).toBeUndefined();
      expect(configSchema.safeParse(raw).success).toBe(false);
    },
  );

  it('does not share default arrays between results', () => {
    const a = fastParse({});
    a?.recovery.paths.push('/srv');
    expect(fastParse({})?.recovery.paths).toEqual(['/etc']);
  });
});
