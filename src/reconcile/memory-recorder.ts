// Records a reconcile run into memory: the run row, one event per resource that did something
// (changed, failed, blocked, skipped), every gate decision, and an audit entry. Works only from the
// public (redacted) report, so sensitive contents never reach the database; full file contents are
// replaced by their unified diff. Must not decide or change anything.
import type { MemoryStore } from '../memory/memory-store.js';
import type { Change } from '../types.js';
import type { ResourceOutcome, RunRecorder, RunReport } from './run-types.js';

export function memoryRecorder(mem: MemoryStore, trigger: string): RunRecorder {
  return {
    record(report: RunReport) {
      mem.transaction(() => {
        const runId = mem.startRun({ trigger, ts: new Date(report.startedAt) });
        const external = new Set(report.external ?? []);
        for (const o of report.resources) {
          const status = eventStatus(o);
          if (!status) continue;
          // Changed outside aios, then repaired: the drift (what someone else did) and the repair
          // (what aios did) are two events, so history tells them apart.
          if (external.has(o.id) && o.status === 'changed') {
            mem.recordEvent({
              runId,
              resourceId: o.id,
              status: 'drift',
              label: 'external',
              changes: o.plan.changes.map(slimChange),
              ...(o.plan.changes.some((c) => c.diff)
                ? { diff: o.plan.changes.map((c) => c.diff ?? '').join('') }
                : {}),
              message: 'changed outside aios',
            });
          }
          mem.recordEvent({
            runId,
            resourceId: o.id,
            status,
            label: 'aios',
            changes: o.plan.changes.map(slimChange),
            ...(o.plan.changes.some((c) => c.diff)
              ? { diff: o.plan.changes.map((c) => c.diff ?? '').join('') }
              : {}),
            ...(o.error ? { message: o.error } : o.rule ? { message: `rule ${o.rule}` } : {}),
          });
        }
        for (const d of report.decisions) {
          mem.recordDecision({
            action: {
              tool: d.tool,
              args: {},
              ...(d.resource ? { resource: d.resource } : {}),
              reason: 'reconcile',
            },
            verdict: d.verdict,
            rule: d.rule,
            reason: d.confirmed === undefined ? d.reason : `${d.reason} (confirmed: ${d.confirmed})`,
            source: trigger,
          });
        }
        for (const a of report.actions) {
          mem.recordToolCall({
            tool: a.tool,
            args: a.args,
            resultSummary: a.summary,
            ...(a.exitCode !== undefined ? { exitCode: a.exitCode } : {}),
            durationMs: Math.round(a.durationMs),
            runId,
            ...(a.resource ? { resourceId: a.resource } : {}),
          });
        }
        // The audit chain gets what a reviewer needs without 10 000 rows per first apply: every
        // decision that was not a plain allow, and the run summary below.
        for (const d of report.decisions) {
          if (d.verdict !== 'allow')
            mem.appendAudit('policy.decision', { ...d, source: trigger, runId: report.runId });
        }
        const summary = {
          runId: report.runId,
          planHash: report.plan.hash,
          dryRun: report.dryRun,
          counts: report.counts,
          snapshot: report.snapshot ?? null,
          rollback: report.rollback ?? null,
          notified: report.notified,
          timings: report.timings,
          durationMs: report.durationMs,
        };
        mem.finishRun(runId, { status: runStatus(report), summary });
        if (
          !report.dryRun &&
          (report.counts.changed > 0 || report.counts.failed > 0 || report.counts.blocked > 0)
        ) {
          mem.appendAudit('apply', summary);
        }
      });
    },
  };
}

function eventStatus(o: ResourceOutcome): 'applied' | 'failed' | 'blocked' | 'drift' | undefined {
  switch (o.status) {
    case 'changed':
      return 'applied';
    case 'failed':
    case 'skipped':
      return 'failed';
    case 'blocked':
      return 'blocked';
    case 'pending':
      return 'drift';
    default:
      return undefined;
  }
}

function runStatus(r: RunReport): string {
  if (r.counts.failed > 0) return 'failed';
  if (r.counts.blocked > 0) return 'blocked';
  if (r.dryRun) return r.counts.pending > 0 ? 'pending' : 'converged';
  return r.counts.changed > 0 ? 'changed' : 'converged';
}

/** Contents are kept as their diff only: before/after of a file's body would fill the database. */
function slimChange(c: Change): Change {
  if (c.diff === undefined) return c;
  return { field: c.field, before: summarise(c.before), after: summarise(c.after) };
}

function summarise(v: unknown): unknown {
  return typeof v === 'string' && v.length > 80 ? `(${v.length} chars)` : v;
}
