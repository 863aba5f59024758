import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaemonMetrics } from '../../src/runtime/metrics.js';

describe('daemon metrics', () => {
  it('renders Prometheus text and writes the textfile-collector file atomically', async () => {
    const m = new DaemonMetrics();
    m.resources.set({ state: 'converged' }, 12);
    m.resources.set({ state: 'drifted' }, 1);
    m.decisions.inc({ verdict: 'deny' });
    m.repairSeconds.observe(0.012);
    const text = await m.text();
    expect(text).toContain('aios_resources{state="converged"} 12');
    expect(text).toContain('aios_policy_decisions_total{verdict="deny"} 1');
    expect(text).toMatch(/aios_drift_repair_duration_seconds_bucket\{le="0.025"\} 1/);
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'aios-metrics-'));
    const file = path.join(dir, 'aios.prom');
    await m.writeTextfile(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    expect(fs.readdirSync(dir)).toEqual(['aios.prom']);
  });
});
