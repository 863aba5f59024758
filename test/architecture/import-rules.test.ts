import { createRequire } from 'node:module';
import { cruise } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

describe('architecture', () => {
  it('follows the layer import rules of ARCHITECTURE.md and has no import cycles', async () => {
    const config = require('../../.dependency-cruiser.cjs');
    const result = await cruise(['cli', 'src', 'controllers'], {
      ...config.options,
      ruleSet: { forbidden: config.forbidden },
      validate: true,
    });
    const output = result.output as {
      summary: { violations: { rule: { name: string }; from: string; to: string }[]; totalCruised: number };
    };
    const violations = output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
    expect(violations).toEqual([]);
    expect(output.summary.totalCruised).toBeGreaterThan(10);
  });
});
