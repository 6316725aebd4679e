/**
 * How a request is billed, as the simulator reads it from the credentials:
 * `subscription` — `Authorization: Bearer sk-ant-oat…` (a Claude Code login);
 * `api` — `x-api-key`;
 * `bearer` — `Authorization: Bearer <anything else>` (`ANTHROPIC_AUTH_TOKEN`), billed like `api`.
 */
export type BillingKind = "subscription" | "api" | "bearer";

/** The subscription window a limit belongs to, as named by `anthropic-ratelimit-unified-representative-claim`. */
export const LIMIT_CLAIMS = ["five_hour", "seven_day", "seven_day_opus", "seven_day_sonnet"] as const;
export type LimitClaim = (typeof LIMIT_CLAIMS)[number];

/** Values of `anthropic-ratelimit-unified-status` and of the per-window `-status` headers. */
export type UnifiedStatus = "allowed" | "allowed_warning" | "rejected";

/** Token counts of one response, as the API reports them in `usage`. */
export interface UsageNumbers {
  inputTokens: number;
  outputTokens: number;
  /** `usage.cache_creation.ephemeral_5m_input_tokens` */
  cacheWrite5mTokens: number;
  /** `usage.cache_creation.ephemeral_1h_input_tokens` */
  cacheWrite1hTokens: number;
  /** `usage.cache_read_input_tokens` */
  cacheReadTokens: number;
  /** `usage.server_tool_use.web_search_requests` (billed per use) */
  webSearchRequests: number;
}

/** Failures a script can inject; see {@link ResponseScript.fault}. */
export const FAULT_KINDS = [
  "overloaded",
  "throttle",
  "usage-limit",
  "drop",
  "stream-error",
  "malformed",
  "thinking-signature",
  "credit-exhausted",
  "spend-limit",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * What to do with one future `POST /v1/messages` request. Scripts wait in a FIFO queue and each is
 * used by exactly one request: the first queued script whose `billing` and `sessionId` match the request's.
 */
export interface ResponseScript {
  /** Only a request of this billing kind takes this script; absent = any request. */
  billing?: BillingKind;
  /**
   * Only a request of this Claude Code session (`x-claude-code-session-id`) takes this script; absent = any
   * request. Lets concurrent requests each get their own script, whatever order they arrive in.
   */
  sessionId?: string;
  /**
   * `overloaded`: 529 `overloaded_error`. `throttle`: 429 `rate_limit_error` without the unified headers
   * (Claude Code retries it as a server throttle, not a usage limit). `usage-limit`: 429 `rate_limit_error`
   * with the unified headers of a rejected subscription window, whatever the billing (the window itself is
   * not touched). `drop`: the response is cut off
   * mid-event after {@link dropAfterEvents} events and the socket destroyed. `stream-error`: after
   * {@link dropAfterEvents} events the stream carries an `error` event (`overloaded_error`) and ends, as the API
   * does when it is overloaded mid-reply (a JSON request gets the 529 of `overloaded`). `malformed`: an SSE event
   * (or JSON body) that does not parse. `thinking-signature`: 400 `invalid_request_error` about an
   * invalid `signature` in a `thinking` block.
   */
  fault?: FaultKind;
  /** For `drop` and `stream-error`: complete SSE events sent before the cut (default 3); ignored for JSON responses. */
  dropAfterEvents?: number;
  /** Delay before the response head, in ms (a slow first byte). */
  firstByteDelayMs?: number;
  /** Delay before each SSE event after the first, in ms (a slow stream). */
  eventDelayMs?: number;
  /** `retry-after` seconds on a `throttle`, `usage-limit` or `overloaded` answer. */
  retryAfterSeconds?: number;
  /** The reply text, instead of the generated one. */
  text?: string;
  /** Pads this reply's text to this many bytes, over the `replyBytes` setting. */
  replyBytes?: number;
  /** Adds a `tool_use` block after the text; `stop_reason` becomes `tool_use`. */
  toolUse?: { name: string; input: Record<string, unknown> };
  /** Usage numbers for this response, over the defaults. */
  usage?: Partial<UsageNumbers>;
  /** The `model` the response names (what gets billed). */
  responseModel?: string;
}

/** Behaviour that can be changed while the simulator runs ({@link Simulator.configure}). */
export interface SimulatorSettings {
  /** Subscription message requests allowed in a window before the limit; `null` = no request limit. */
  limitAfterRequests: number | null;
  /** Subscription tokens (input + output, cumulative) allowed in a window; `null` = no token limit. */
  limitAfterTokens: number | null;
  /** The window that runs out. `seven_day_opus` / `seven_day_sonnet` only count and reject that model family. */
  limitClaim: LimitClaim;
  /** Seconds from the moment the limit is hit until it resets (default 5 h). */
  resetInSeconds: number;
  /** An explicit reset instant, epoch seconds; overrides `resetInSeconds` while it is in the future. */
  resetAt: number | null;
  /** Utilisation (0..1) from which subscription responses say `allowed_warning` (default 0.8). */
  warnAtUtilization: number;
  /** The `model` every response names; `null` = the request's model. */
  responseModel: string | null;
  /** Usage numbers for every response, over the ones derived from the request. */
  usage: Partial<UsageNumbers>;
  /** Pads every reply text to this many bytes (throughput benchmarks); `null` = no padding. */
  replyBytes: number | null;
  /** The text of each streamed padding delta, in bytes (default 16 KiB); small = Claude-shaped streams. */
  replyDeltaBytes: number | null;
  /** Accept only this exact API key (x-api-key or a non-OAuth bearer token); `null` = any. */
  requireApiKey: string | null;
  /**
   * Reject (400, like the real API) a non-subscription request that carries a thinking block signed under
   * the subscription, or a signature the simulator did not mint: a conversation moved from subscription to
   * API key.
   */
  rejectForeignThinkingSignatures: boolean;
}

/** Everything {@link startSimulator} accepts. */
export interface SimulatorOptions extends Partial<SimulatorSettings> {
  /** Port on 127.0.0.1; 0 (default) = a free port. */
  port?: number;
  /** The clock, in epoch ms; inject one to drive windows and resets in tests. */
  now?: () => number;
  /** Append one JSON line per request to this file (mode 0600). Never holds a full credential. */
  logFile?: string;
  /** How many recent requests {@link Simulator.requests} keeps (default 1000), so long benchmarks stay flat. */
  maxRecordedRequests?: number;
  /** Called once per request, with the line written to the log. */
  onRequest?: (entry: RequestLogEntry) => void;
}

/** One request as the JSONL log and `onRequest` see it: no body, credential masked. */
export interface RequestLogEntry {
  time: string;
  method: string;
  path: string;
  billing: BillingKind | null;
  /** The credential, masked (`sk-ant-…ab12`). */
  credential: string | null;
  model: string | null;
  responseModel: string | null;
  stream: boolean;
  status: number;
  usage: UsageNumbers | null;
  fault: string | null;
  sessionId: string | null;
  messageCount: number | null;
}

/** One request as tests see it ({@link Simulator.requests}): full headers and parsed body. */
export interface RecordedRequest extends RequestLogEntry {
  /** 1-based, over the simulator's life. */
  seq: number;
  /** Path and query as received. */
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body, or `undefined` when there was none or it did not parse. */
  body: unknown;
}
