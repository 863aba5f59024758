// GENERATED from src/config/schema.ts by test/config/schema-manifest.test.ts; do not edit by hand.
// Regenerate: AIOS_UPDATE_MANIFEST=1 npx vitest run test/config/schema-manifest.test.ts
import type { SectionSpec } from './manifest-types.js';

export const manifest: SectionSpec = {
  type: 'section',
  fields: {
    aios: {
      type: 'section',
      fields: {
        version: {
          type: 'string',
          default: '0.1.0',
        },
        data_dir: {
          type: 'string',
          default: '/var/lib/aios',
        },
        socket_path: {
          type: 'string',
          default: '/tmp/aios-runtime.sock',
        },
        log_level: {
          type: 'enum',
          default: 'info',
          values: ['debug', 'info', 'warn', 'error'],
        },
      },
    },
    llm: {
      type: 'section',
      fields: {
        default_provider: {
          type: 'enum',
          default: 'openai',
          values: ['openai', 'anthropic', 'ollama'],
        },
        embedding_model: {
          type: 'string',
          optional: true,
        },
        max_steps: {
          type: 'number',
          default: 20,
          int: true,
          min: 0,
          minInclusive: false,
        },
        max_tokens: {
          type: 'number',
          default: 4096,
          int: true,
          min: 0,
          minInclusive: false,
        },
        openai: {
          type: 'section',
          fields: {
            base_url: {
              type: 'string',
              optional: true,
            },
            model: {
              type: 'string',
              optional: true,
            },
            api_key: {
              type: 'string',
              optional: true,
            },
            timeout: {
              type: 'string',
              default: '60s',
              format: 'duration',
            },
          },
        },
        anthropic: {
          type: 'section',
          fields: {
            base_url: {
              type: 'string',
              optional: true,
            },
            model: {
              type: 'string',
              optional: true,
            },
            api_key: {
              type: 'string',
              optional: true,
            },
            timeout: {
              type: 'string',
              default: '60s',
              format: 'duration',
            },
          },
        },
        ollama: {
          type: 'section',
          fields: {
            base_url: {
              type: 'string',
              default: 'http://127.0.0.1:11434/v1',
            },
            model: {
              type: 'string',
              optional: true,
            },
            api_key: {
              type: 'string',
              optional: true,
            },
            timeout: {
              type: 'string',
              default: '120s',
              format: 'duration',
            },
          },
        },
      },
    },
    agents: {
      type: 'section',
      fields: {
        core_agent: {
          type: 'boolean',
          default: true,
        },
        security_agent: {
          type: 'boolean',
          default: false,
        },
        system_agent: {
          type: 'boolean',
          default: false,
        },
      },
    },
    recovery: {
      type: 'section',
      fields: {
        enabled: {
          type: 'boolean',
          default: true,
        },
        snapshot_interval: {
          type: 'string',
          default: 'hourly',
          format: 'schedule',
        },
        max_snapshots: {
          type: 'number',
          default: 24,
          int: true,
          min: 0,
          minInclusive: true,
        },
        auto_rollback: {
          type: 'boolean',
          default: false,
        },
        paths: {
          type: 'array',
          default: ['/etc'],
          element: 'string',
        },
        exclude: {
          type: 'array',
          default: [],
          element: 'string',
        },
        keep_daily: {
          type: 'number',
          default: 0,
          int: true,
          min: 0,
          minInclusive: true,
        },
        keep_weekly: {
          type: 'number',
          default: 0,
          int: true,
          min: 0,
          minInclusive: true,
        },
        store_dir: {
          type: 'string',
          optional: true,
        },
      },
    },
    security: {
      type: 'section',
      fields: {
        mode: {
          type: 'enum',
          default: 'normal',
          values: ['safe', 'normal', 'paranoid', 'trusted'],
        },
        sandbox: {
          type: 'boolean',
          default: false,
        },
        dangerous_patterns: {
          type: 'array',
          default: [],
          element: 'string',
        },
        require_confirm: {
          type: 'array',
          default: [],
          element: 'string',
        },
        approval_timeout: {
          type: 'string',
          default: '1h',
          format: 'duration',
        },
        policies_dir: {
          type: 'string',
          optional: true,
        },
      },
    },
    controller: {
      type: 'section',
      fields: {
        specs_dir: {
          type: 'string',
          optional: true,
        },
        root: {
          type: 'string',
          default: '/',
        },
        resync_interval: {
          type: 'string',
          default: '5m',
          format: 'duration',
        },
        watch: {
          type: 'boolean',
          default: true,
        },
      },
    },
    memory: {
      type: 'section',
      fields: {
        path: {
          type: 'string',
          optional: true,
        },
      },
    },
    tools: {
      type: 'section',
      fields: {
        plugins_dir: {
          type: 'string',
          optional: true,
        },
        bash_timeout: {
          type: 'string',
          default: '5m',
          format: 'duration',
        },
        max_output_bytes: {
          type: 'number',
          default: 262144,
          int: true,
          min: 0,
          minInclusive: false,
        },
      },
    },
    runtime: {
      type: 'section',
      fields: {
        metrics_file: {
          type: 'string',
          optional: true,
        },
        debounce_ms: {
          type: 'number',
          default: 20,
          int: true,
          min: 0,
          minInclusive: true,
        },
      },
    },
  },
};
