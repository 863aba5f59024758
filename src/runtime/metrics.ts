// Daemon metrics in Prometheus text format (prom-client), served by the `metrics` RPC and written
// to a node_exporter textfile-collector file so existing monitoring picks AIOS up unchanged.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { atomicWrite } from '../host/atomic-write.js';

export class DaemonMetrics {
  readonly registry = new Registry();
  readonly resources = new Gauge({
    name: 'aios_resources',
    help: 'Managed resources by state',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly reconcileSeconds = new Histogram({
    name: 'aios_reconcile_duration_seconds',
    help: 'Duration of reconcile passes',
    labelNames: ['trigger'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly repairSeconds = new Histogram({
    name: 'aios_drift_repair_duration_seconds',
    help: 'From a drift event to the resource being converged again',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly snapshotSeconds = new Histogram({
    name: 'aios_snapshot_duration_seconds',
    help: 'Duration of snapshots',
    labelNames: ['kind'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly snapshotBytes = new Gauge({
    name: 'aios_snapshot_last_bytes',
    help: 'Bytes captured by the last snapshot',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: 'aios_policy_decisions_total',
    help: 'Policy decisions by verdict',
    labelNames: ['verdict'],
    registers: [this.registry],
  });
  readonly approvalsPending = new Gauge({
    name: 'aios_approvals_pending',
    help: 'Actions waiting for a person to approve or deny',
    registers: [this.registry],
  });
  readonly configLoadErrors = new Counter({
    name: 'aios_config_load_errors_total',
    help: 'Config or spec edits rejected (the last good version stayed active)',
    registers: [this.registry],
  });

  text(): Promise<string> {
    return this.registry.metrics();
  }

  async writeTextfile(file: string): Promise<void> {
    await atomicWrite(file, await this.text(), { mode: 0o644 });
  }
}
