// Plain-data inputs and outputs of the memory store (see the API notes in memory-store.ts).
// No behaviour here.
import type { Action, Change, Verdict } from '../types.js';
import type { MemoryKind } from './migrations.js';

export type { MemoryKind } from './migrations.js';

/** Milliseconds since the epoch or a Date; omitted = now. */
export type TimeInput = number | Date;

export interface CommandRecord {
  argv: readonly string[];
  cwd?: string;
  exitCode?: number | null;
  durationMs?: number;
  /** Who ran it: 'aios' (CLI invocations), 'daemon', 'shell'... */
  source?: string;
  ts?: TimeInput;
}

export interface ChatSessionRecord {
  /** Omitted = a new random id. */
  id?: string;
  title?: string;
  provider?: string;
  model?: string;
  ts?: TimeInput;
}

export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessageRecord {
  sessionId: string;
  role: ChatRole;
  content: string;
  /** Extra JSON (tool call ids, token usage); redacted. */
  data?: unknown;
  ts?: TimeInput;
}

export interface ToolCallRecord {
  tool: string;
  args: unknown;
  resultSummary?: string;
  exitCode?: number | null;
  durationMs?: number;
  sessionId?: string;
  runId?: number;
  resourceId?: string;
  ts?: TimeInput;
}

export interface DecisionRecord {
  /** The gated Action, or the command text for `aios policy check`. */
  action: Action | string;
  verdict: Verdict;
  rule: string;
  reason: string;
  /** Who asked the gate: 'cli', 'daemon', 'agent', 'reconcile', 'policy-check'... */
  source: string;
  ts?: TimeInput;
}

export interface ReconcileRunStart {
  /** 'apply', 'diff', 'watch', 'resync', 'demo'... */
  trigger: string;
  ts?: TimeInput;
}

export interface ReconcileRunFinish {
  /** 'converged', 'changed', 'failed', 'blocked'... */
  status: string;
  summary?: unknown;
  ts?: TimeInput;
}

export type ResourceEventStatus = 'applied' | 'drift' | 'failed' | 'blocked' | 'unchanged';

export interface ResourceEventRecord {
  runId?: number;
  resourceId: string;
  status: ResourceEventStatus;
  /** 'aios' = we changed it; 'external' = someone else did (drift). */
  label: 'aios' | 'external';
  changes?: readonly Change[];
  diff?: string;
  message?: string;
  ts?: TimeInput;
}

export interface AuditEntry {
  seq: number;
  ts: string;
  kind: string;
  payload: unknown;
  prevHash: string;
  hash: string;
}

export interface HistoryEntry {
  kind: MemoryKind;
  id: number;
  /** ISO 8601. */
  ts: string;
  /** One line for humans. */
  text: string;
  /** The row's fields (JSON columns parsed). */
  data: Record<string, unknown>;
}

export interface HistoryOptions {
  limit?: number;
  kind?: MemoryKind;
  /** Only entries strictly older than this (paging). */
  before?: TimeInput;
}

export interface SearchOptions {
  limit?: number;
  kind?: MemoryKind;
  /** Snippet highlight markers; default `[` and `]`. */
  mark?: readonly [string, string];
  /** Rank only the newest N matches (default 1000); 0 ranks every match (slow for common terms). */
  window?: number;
}

export interface SearchHit {
  kind: MemoryKind;
  id: number;
  ts: string;
  snippet: string;
  /** bm25 score, higher is better. */
  score: number;
}

export interface ReconcileRunRow {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  trigger: string;
  status: string;
  summary: unknown;
}

export interface ChatMessageRow {
  id: number;
  sessionId: string;
  ts: string;
  role: ChatRole;
  content: string;
  data: unknown;
}

export interface ChatSessionRow {
  id: string;
  ts: string;
  title: string | null;
  provider: string | null;
  model: string | null;
}
