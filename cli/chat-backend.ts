// Where `aios chat` and `aios shell` run a turn: in the daemon when one manages the same root and
// specs (its `chat` RPC streams AgentEvents as notifications), in this process otherwise (the chat
// service built from the config). Both sides take the same request and return the same TurnResult,
// so the commands render one way. Confirm verdicts: in process a person answers on the TTY (or
// `--yes`); through the daemon `--yes` approves for this turn and anything else waits in the
// daemon's approvals queue (docs/decisions/120).
import { randomUUID } from 'node:crypto';
import type {
  AgentEvent,
  ChatRequest,
  ChatService,
  ConfirmOutcome,
  ProviderName,
  TurnResult,
} from '../src/agents/agent-types.js';
import type { LoadedConfig } from '../src/config/load-config.js';
import type { EffectivePaths } from '../src/config/paths.js';
import { UserInputError } from '../src/errors.js';
import { redact } from '../src/memory/redact.js';
import { type ProviderEndpoint, providerEndpoint } from '../src/runtime/chat-endpoint.js';
import type { CommandArgs } from './command.js';
import { confirmAction } from './confirm.js';
import { type DaemonCall, delegateTo } from './daemon-link.js';
import type { Io } from './io.js';

export interface SessionInfo {
  id: string;
  title: string | null;
  ts: string;
}

export interface TurnIo {
  onEvent(event: AgentEvent): void;
  /** Called before a confirmation prompt so a half-written answer line ends first. */
  beforePrompt?: () => void;
  /** Reads one answer line for a confirmation (the shell's own readline); default: cli/confirm.ts. */
  ask?: (question: string) => Promise<string>;
  signal?: AbortSignal;
}

export interface ChatBackend {
  readonly where: 'daemon' | 'local';
  turn(req: Omit<ChatRequest, 'source'>, io: TurnIo): Promise<TurnResult>;
  sessions(limit?: number): Promise<SessionInfo[]>;
  /**
   * Hides secrets in what is shown: in process the keys this process knows and anything shaped like
   * a key (a tool may print one); through the daemon the events arrive scrubbed of the daemon's keys
   * and only the shapes are checked here (loading the chat service to learn ours would cost the
   * daemon path most of its start-up).
   */
  scrub(text: string): string;
  close(): void;
}

export interface BackendOptions {
  /** Recorded with the turn: 'cli' or 'shell'. */
  source: string;
  yes: boolean;
  /** Tests inject a service; default: src/agents/chat-service.ts built from the config. */
  openService?: () => Promise<ChatService>;
}

/** `scrub` applied to every string of a plain value (the --json result). */
export function scrubValue<T>(value: T, scrub: (t: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrub(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

const PROVIDERS: readonly ProviderName[] = ['openai', 'anthropic', 'ollama'];

/** `--provider` checked once, with the choices in the message. */
export function providerArg(value: unknown): ProviderName | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const v = String(value);
  if ((PROVIDERS as readonly string[]).includes(v)) return v as ProviderName;
  throw new UserInputError(`--provider must be one of ${PROVIDERS.join(', ')} (got "${v}")`);
}

export async function openChatBackend(
  args: CommandArgs,
  cfg: { loaded: LoadedConfig; paths: EffectivePaths },
  io: Io,
  opts: BackendOptions,
): Promise<ChatBackend> {
  const daemon = opts.openService ? undefined : await delegateTo(args, cfg.paths);
  if (daemon && (await sameEndpoint(daemon, cfg.loaded, args))) return daemonBackend(daemon, opts);
  // The agent (SDKs, tools, gate) loads only for a turn that runs here.
  const [chatService, systemAgent] = await Promise.all([
    import('../src/agents/chat-service.js'),
    import('../src/agents/system-agent.js'),
  ]);
  const service = opts.openService
    ? await opts.openService()
    : await chatService.createChatService({ loaded: cfg.loaded, paths: cfg.paths });
  const secrets = chatService.secretValues(cfg.loaded, process.env);
  return localBackend(service, io, opts, {
    scrub: (text) => redact(chatService.scrubSecrets(text, secrets)),
    lastConversation: systemAgent.lastConversation,
  });
}

/**
 * Whether the daemon would reach the model this command would: a user who points OPENAI_BASE_URL (or
 * a key) at another server than the daemon knows gets the turn in process, where their settings
 * hold. Without a key here the daemon's settings are all there is, so it takes the turn.
 */
async function sameEndpoint(call: DaemonCall, loaded: LoadedConfig, args: CommandArgs): Promise<boolean> {
  const provider = providerArg(args.provider);
  const model = typeof args.model === 'string' && args.model ? args.model : undefined;
  const mine = providerEndpoint(loaded, process.env, provider, model);
  if (!mine?.has_key) return true;
  let theirs: ProviderEndpoint | null;
  try {
    theirs = (await call('chat.endpoint', {
      ...(provider ? { provider } : {}),
      ...(model ? { model } : {}),
    })) as ProviderEndpoint | null;
  } catch {
    return true; // a daemon without the method: it takes the turn as it always did
  }
  return (
    theirs?.has_key === true &&
    theirs.provider === mine.provider &&
    theirs.model === mine.model &&
    theirs.base_url === mine.base_url
  );
}

interface LocalHelpers {
  scrub: (text: string) => string;
  lastConversation: (service: Pick<ChatService, 'sessions'>) => string | undefined;
}

function localBackend(
  service: ChatService,
  io: Io,
  opts: BackendOptions,
  helpers: LocalHelpers,
): ChatBackend {
  return {
    where: 'local',
    scrub: helpers.scrub,
    turn: (req, t) =>
      service.chat(
        { ...continued(service, req, helpers), source: opts.source },
        {
          onEvent: (e) => t.onEvent(e),
          confirm: async (action, decision): Promise<ConfirmOutcome> => {
            t.beforePrompt?.();
            const yes = await confirmAction(io, action, decision, {
              yes: opts.yes,
              ...(t.ask ? { ask: t.ask } : {}),
            });
            return { outcome: yes ? 'approved' : 'denied' };
          },
          ...(t.signal ? { signal: t.signal } : {}),
        },
      ),
    sessions: async (limit) => service.sessions(limit),
    close: () => service.close(),
  };
}

/** `--continue` skips the system agent's diagnosis sessions: it means the person's last chat. */
function continued(
  service: ChatService,
  req: Omit<ChatRequest, 'source'>,
  helpers: LocalHelpers,
): Omit<ChatRequest, 'source'> {
  if (!req.continueLast || req.sessionId) return req;
  const last = helpers.lastConversation(service);
  if (!last) return req;
  const { continueLast: _drop, ...rest } = req;
  return { ...rest, sessionId: last };
}

function daemonBackend(call: DaemonCall, opts: BackendOptions): ChatBackend {
  return {
    where: 'daemon',
    scrub: redact,
    turn: async (req, t) => {
      // Ctrl-C cancels the turn, not the connection: the daemon aborts the turn with this id.
      const turnId = randomUUID();
      const cancel = () => void call('chat.cancel', { turn_id: turnId }).catch(() => undefined);
      t.signal?.addEventListener('abort', cancel, { once: true });
      const result = call(
        'chat',
        {
          text: req.text,
          ...(req.sessionId !== undefined ? { session_id: req.sessionId } : {}),
          ...(req.continueLast ? { continue: true } : {}),
          ...(req.provider !== undefined ? { provider: req.provider } : {}),
          ...(req.model !== undefined ? { model: req.model } : {}),
          yes: opts.yes,
          source: opts.source,
          turn_id: turnId,
        },
        (params) => {
          if (params && typeof params === 'object' && 'type' in params) t.onEvent(params as AgentEvent);
        },
      );
      try {
        return (await result) as TurnResult;
      } finally {
        t.signal?.removeEventListener('abort', cancel);
      }
    },
    sessions: async (limit) => (await call('chat.sessions', { limit: limit ?? 20 })) as SessionInfo[],
    close: () => {},
  };
}
