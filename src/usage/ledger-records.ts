/** The rows of the usage ledger (SPEC §7) as the rest of the program writes and reads them. */
import type { BillingMode } from "../billing.js";

/** Why a run's requests cannot be listed (SPEC §7): the exit line and `usage` say it the same way. */
export const REQUEST_ROWS_NOT_KEPT = "API requests are not kept in the usage ledger while log_usage is false";

export type RequestOutcome = "ok" | "error" | "aborted" | "refused_cap" | "upstream_error";

export type EventKind =
  | "limit_detected"
  | "limit_warning"
  | "prompt_asked"
  | "prompt_answered"
  | "switched"
  | "reverted"
  | "cap_warning"
  | "cap_reached"
  | "cap_raised"
  | "unknown_model"
  | "error";

export interface RunStart {
  /** A UUID is made when omitted. */
  id?: string;
  startedAt: number;
  pid?: number | null;
  cwd?: string | null;
  initialMode: BillingMode;
  claudeVersion?: string | null;
}

export interface RunEnd {
  endedAt: number;
  exitCode: number | null;
}

/** One metered API request; token counts default to 0. */
export interface RequestRecord {
  runId: string;
  /** Epoch ms when the request was received. */
  at: number;
  /** Claude Code's session id (`metadata.user_id`'s `session_id`, or `x-claude-code-session-id`). */
  claudeSessionId?: string | null;
  /** The `model` of the request as sent (after any `api_model` rewrite). */
  requestedModel?: string | null;
  /** The model named in the response: the one billed. */
  model?: string | null;
  httpStatus?: number | null;
  outcome: RequestOutcome;
  errorType?: string | null;
  /** The upstream `request-id` header. */
  requestId?: string | null;
  durationMs?: number | null;
  inputTokens?: number;
  outputTokens?: number;
  cacheWrite5mTokens?: number;
  cacheWrite1hTokens?: number;
  cacheReadTokens?: number;
  webSearchRequests?: number;
  webFetchRequests?: number;
  /** Integer nano-dollars; `null` when the cost is unknown (never 0 for unknown). */
  costNanoUsd: number | null;
  longContext?: boolean;
}

export interface EventRecord {
  /** `null` for events outside a wrapper run (e.g. `monitor`). */
  runId: string | null;
  at: number;
  kind: EventKind;
  /** Stored as JSON. Never put a secret here. */
  detail?: unknown;
}

/**
 * A ledger request row joined with its run's `cwd`, as `Ledger.requestRowsSince` reads it.
 */
export interface LedgerRequestRow {
  at: number;
  model: string | null;
  requested_model: string | null;
  outcome: string;
  cost_nanousd: number | null;
  input_tokens: number;
  output_tokens: number;
  cache_write_5m_tokens: number;
  cache_write_1h_tokens: number;
  cache_read_tokens: number;
  web_search_requests: number;
  web_fetch_requests: number;
  claude_session_id: string | null;
  cwd: string | null;
}
