// The config schema (ARCHITECTURE.md §3): one zod object per section, defaults included, so the
// parsed value is the effective config and its type is `Config`. Durations stay strings here (what the
// user wrote); they are validated at load by src/config/duration.ts, and callers convert them with it.
//
// AFTER ANY CHANGE HERE regenerate the start-up manifest (decision 011), or valid configs load without
// your new defaults: AIOS_UPDATE_MANIFEST=1 npx vitest run test/config/schema-manifest.test.ts
// (test/config/schema-manifest.test.ts fails until you do).
import { z } from 'zod';
import { parseDuration, parseSchedule } from './duration.js';

/** A duration string ("30s", "15m", "1h30m"), checked when the config loads. */
const duration = (fallback: string) =>
  z
    .string()
    .superRefine((value, ctx) => {
      try {
        parseDuration(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .meta({ format: 'duration' })
    .default(fallback);

/** A schedule ("hourly", "daily", "weekly", "15m", or cron), checked when the config loads. */
const schedule = (fallback: string) =>
  z
    .string()
    .superRefine((value, ctx) => {
      try {
        parseSchedule(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .meta({ format: 'schedule' })
    .default(fallback);

export const securityModes = ['safe', 'normal', 'paranoid', 'trusted'] as const;
export type SecurityMode = (typeof securityModes)[number];

const aios = z.strictObject({
  version: z.string().default('0.1.0'),
  data_dir: z.string().default('/var/lib/aios'),
  socket_path: z.string().default('/tmp/aios-runtime.sock'),
  log_level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

// One schema per provider, so a partly written [llm.ollama] keeps ollama's own defaults for the keys
// it leaves out (a shared schema with a section-level default would reset them).
const provider = (defaults: { base_url?: string; timeout: string }) =>
  z.strictObject({
    base_url: defaults.base_url === undefined ? z.string().optional() : z.string().default(defaults.base_url),
    model: z.string().optional(),
    api_key: z.string().optional(),
    timeout: duration(defaults.timeout),
  });
const openai = provider({ timeout: '60s' });
const anthropic = provider({ timeout: '60s' });
const ollama = provider({ base_url: 'http://127.0.0.1:11434/v1', timeout: '120s' });

const llm = z.strictObject({
  default_provider: z.enum(['openai', 'anthropic', 'ollama']).default('openai'),
  embedding_model: z.string().optional(),
  max_steps: z.number().int().positive().default(20),
  max_tokens: z.number().int().positive().default(4096),
  openai: openai.default(openai.parse({})),
  anthropic: anthropic.default(anthropic.parse({})),
  ollama: ollama.default(ollama.parse({})),
});

const agents = z.strictObject({
  core_agent: z.boolean().default(true),
  security_agent: z.boolean().default(false),
  system_agent: z.boolean().default(false),
});

const recovery = z.strictObject({
  enabled: z.boolean().default(true),
  snapshot_interval: schedule('hourly'),
  max_snapshots: z.number().int().nonnegative().default(24),
  auto_rollback: z.boolean().default(false),
  paths: z.array(z.string()).default(['/etc']),
  exclude: z.array(z.string()).default([]),
  keep_daily: z.number().int().nonnegative().default(0),
  keep_weekly: z.number().int().nonnegative().default(0),
  store_dir: z.string().optional(),
});

const security = z.strictObject({
  mode: z.enum(securityModes).default('normal'),
  sandbox: z.boolean().default(false),
  dangerous_patterns: z.array(z.string()).default([]),
  require_confirm: z.array(z.string()).default([]),
  approval_timeout: duration('1h'),
  policies_dir: z.string().optional(),
});

const controller = z.strictObject({
  specs_dir: z.string().optional(),
  root: z.string().default('/'),
  resync_interval: duration('5m'),
  watch: z.boolean().default(true),
});

const memory = z.strictObject({
  path: z.string().optional(),
});

const tools = z.strictObject({
  plugins_dir: z.string().optional(),
  bash_timeout: duration('5m'),
  max_output_bytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024),
});

const runtime = z.strictObject({
  metrics_file: z.string().optional(),
  debounce_ms: z.number().int().nonnegative().default(20),
});

export const configSchema = z.strictObject({
  aios: aios.default(aios.parse({})),
  llm: llm.default(llm.parse({})),
  agents: agents.default(agents.parse({})),
  recovery: recovery.default(recovery.parse({})),
  security: security.default(security.parse({})),
  controller: controller.default(controller.parse({})),
  memory: memory.default(memory.parse({})),
  tools: tools.default(tools.parse({})),
  runtime: runtime.default(runtime.parse({})),
});

export type Config = z.infer<typeof configSchema>;
