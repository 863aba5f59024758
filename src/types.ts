// Core plain-data types shared by controllers, tools, the gate and the reconciler
// (ARCHITECTURE.md §2). No behaviour here, so every layer may import it.

export type Effect = 'read' | 'write' | 'exec' | 'network';

/** Resource id: `kind:name`, e.g. `file:/etc/motd`, `package:nginx`. */
export type ResourceId = string;

export interface SourceRef {
  file: string;
  line?: number;
}

export interface Resource<S = Record<string, unknown>> {
  kind: string;
  name: string;
  id: ResourceId;
  spec: S;
  requires: ResourceId[];
  notify: ResourceId[];
  source: SourceRef;
}

/** One tool call. Controllers and the agent both produce these; the gate and executor see only these. */
export interface Action {
  tool: string;
  args: Record<string, unknown>;
  resource?: ResourceId;
  reason: string;
  /**
   * The args carry a secret (a `sensitive = true` file's contents): show, record and hash them
   * redacted; only the tool itself may see the real values.
   */
  sensitive?: boolean;
}

export type Verdict = 'allow' | 'confirm' | 'deny';

/** Every decision names the rule that made it. */
export interface Decision {
  verdict: Verdict;
  rule: string;
  reason: string;
}

/** What differs for one field of one resource. `diff` holds a unified diff for contents. */
export interface Change {
  field: string;
  before: unknown;
  after: unknown;
  diff?: string;
  /**
   * Set when the actual value cannot be observed from here (a service's running state under a
   * --root with no service manager): shown with this reason, never counted as pending, never planned.
   */
  unobservable?: string;
  /**
   * Free text shown under the change (an intent's check output): data for a person, never parsed.
   */
  detail?: string;
}

export type ChangeKind = 'create' | 'update' | 'delete';
