// The contracts of the agent layer (issue 8): what a provider offers the loop, what the loop
// reports while it runs, and how a confirm decision is resolved by whoever hosts the loop (a TTY
// in the CLI, the approvals queue in the daemon). Plain types only; behaviour lives in the
// provider, loop and review modules. Nothing here may import the terminal or the daemon.
import type { PolicyGate } from '../policy/gate-types.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { ToolContext } from '../tools/tool.js';
import type { Action, Decision, Effect } from '../types.js';

export type ProviderName = 'openai' | 'anthropic' | 'ollama';

/** A tool call the model asked for. `args` is the parsed JSON; `argsText` the raw text when parsing failed. */
export interface ModelToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
  /** Set when the model's argument text was not a JSON object (the loop answers with an error). */
  argsText?: string;
}

/**
 * One message of a conversation in a provider-neutral shape. Providers translate it to their wire
 * format (OpenAI `tool_calls` / `role: tool`; Anthropic `tool_use` / `tool_result` blocks).
 */
export type AgentMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ModelToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean };

/** A tool as the model sees it (the registry's jsonSchemas()). */
export interface ModelTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** USD, only when the provider reports it (never estimated from a price table we'd have to keep). */
  costUsd?: number;
}

export interface CompletionRequest {
  system: string;
  messages: AgentMessage[];
  tools: ModelTool[];
  maxTokens: number;
  /** Called with each piece of text as it streams; absent = the provider may use a non-streaming call. */
  onText?: (delta: string) => void;
  signal?: AbortSignal;
}

export interface CompletionResult {
  text: string;
  toolCalls: ModelToolCall[];
  usage: Usage;
  /** Provider's stop reason, normalised: 'end' | 'tool_calls' | 'max_tokens' | other raw value. */
  stopReason: string;
  model: string;
}

/** One configured model endpoint. Constructing one never touches the network. */
export interface Provider {
  readonly name: ProviderName;
  readonly model: string;
  complete(req: CompletionRequest): Promise<CompletionResult>;
}

/** Text → vectors ([llm] embedding_model). Absent when no embedding model is configured. */
export interface Embedder {
  readonly model: string;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/**
 * How a confirm verdict is resolved: 'approved' runs the action, 'denied' does not, 'queued' means
 * it was put in the daemon's approvals queue (the loop tells the model it awaits a person).
 */
export type ConfirmOutcome =
  | { outcome: 'approved' }
  | { outcome: 'denied' }
  | { outcome: 'queued'; approvalId: string };
export type ConfirmFn = (action: Action, decision: Decision) => Promise<ConfirmOutcome>;

/** The security agent's opinion on one action: it can only make a decision stricter. */
export interface Review {
  verdict: 'allow' | 'confirm' | 'deny';
  reason: string;
}
export interface SecurityReviewer {
  review(action: Action, effect: string, context: { goal: string }): Promise<Review>;
}

/** What the loop reports as it goes; the CLI prints these, the daemon streams them as notifications. */
export type AgentEvent =
  | { type: 'text'; delta: string }
  | { type: 'tool_call'; call: ModelToolCall; decision: Decision; review?: Review }
  | { type: 'tool_result'; call: ModelToolCall; ok: boolean; summary: string }
  | { type: 'step'; step: number; usage: Usage }
  | { type: 'error'; message: string };

export interface TurnResult {
  sessionId: string;
  text: string;
  steps: number;
  usage: Usage;
  /** 'done' | 'max_steps' | 'cancelled' | 'error' */
  finish: 'done' | 'max_steps' | 'cancelled' | 'error';
  toolCalls: { call: ModelToolCall; verdict: Decision['verdict']; rule: string; ok: boolean }[];
  error?: string;
}

/** One chat request, from `aios chat`, `aios shell` or the daemon's `chat` RPC. */
export interface ChatRequest {
  text: string;
  /** Continue this session; absent and continueLast false = a new session. */
  sessionId?: string;
  continueLast?: boolean;
  provider?: ProviderName;
  model?: string;
  /** Who hosts the turn, recorded with it: 'cli' | 'shell' | 'daemon'. */
  source: string;
}

/** How the host of a turn takes part: events out, confirmations in, cancellation. */
export interface ChatIo {
  onEvent?: (event: AgentEvent) => void;
  confirm: ConfirmFn;
  signal?: AbortSignal;
}

/**
 * The agent as the CLI and the daemon use it (src/agents/chat-service.ts builds one from the
 * config): builds the system prompt, loads and stores the session in memory, runs the gated loop.
 */
export interface ChatService {
  chat(req: ChatRequest, io: ChatIo): Promise<TurnResult>;
  /** Newest first. */
  sessions(limit?: number): { id: string; title: string | null; ts: string }[];
  close(): void;
}

/**
 * What the loop did with one tool call, reported to the host of the turn so it can record the
 * decision, the tool call and an audit entry (the loop itself records nothing).
 */
export interface TurnToolCall {
  call: ModelToolCall;
  action: Action;
  /** The registry tool's effect; absent when the model named a tool that does not exist. */
  effect?: Effect;
  /** The gate's own decision (absent when no gate was asked: unknown tool, unreadable arguments). */
  gateDecision?: Decision;
  /** The security agent's opinion, when it was asked. */
  review?: Review;
  /** The decision that counted: the gate's, made stricter (never looser) by the review. */
  decision: Decision;
  /** How a confirm was resolved, when there was one. */
  confirm?: ConfirmOutcome;
  /**
   * 'ran' (the tool ran, ok or not), 'denied' (by the gate or the review), 'declined' (a person said
   * no), 'queued' (awaits approval), 'invalid' (unknown tool or unreadable arguments: nothing gated),
   * 'cancelled' (the turn was cancelled first).
   */
  outcome: 'ran' | 'denied' | 'declined' | 'queued' | 'invalid' | 'cancelled';
  ok: boolean;
  /** The tool's exit code, when it ran a process. */
  exitCode?: number;
  /** True when the tool changed the host. */
  changed?: boolean;
  /** One line for history and the CLI. */
  summary: string;
  durationMs: number;
}

/** Everything one turn of the gated loop needs (src/agents/agent-loop.ts runTurn). */
export interface TurnOptions {
  provider: Provider;
  registry: ToolRegistry;
  gate: PolicyGate;
  toolCtx: ToolContext;
  confirm: ConfirmFn;
  system: string;
  /** The session so far (without the new user message). */
  history: AgentMessage[];
  userText: string;
  /** Provider calls allowed in this turn ([llm] max_steps). */
  maxSteps: number;
  /** Output tokens per provider call ([llm] max_tokens). */
  maxTokens: number;
  onEvent?: (event: AgentEvent) => void;
  signal?: AbortSignal;
  /** The security agent: asked about every write/exec/network action before it runs. */
  reviewer?: SecurityReviewer;
  /** What the turn is for, as the reviewer sees it (default: the user's text). */
  goal?: string;
  /** The tools the model sees; default registry.jsonSchemas(). */
  tools?: ModelTool[];
  /** Each new message of the turn (user, assistant, tool), in order, so the caller can persist it. */
  onMessage?: (message: AgentMessage) => void;
  /** Each tool call as it is settled (decision, outcome), so the caller can record it. */
  onToolCall?: (record: TurnToolCall) => void;
  /** Copied into TurnResult.sessionId (the loop itself has no session). */
  sessionId?: string;
  /** Largest tool result text the model gets, in characters (default 16 000). */
  maxToolResultChars?: number;
}
