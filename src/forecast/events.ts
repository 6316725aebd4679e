import type { TranscriptEntry } from "../claude/transcripts/scan.js";
import { knownCostNanoUsd, type Pricing } from "../pricing/pricing.js";
import type { TokenUsage } from "../pricing/token-usage.js";
import type { LedgerRequestRow } from "../usage/ledger-records.js";

/**
 * The forecast's input: one billed API request, from either source of history.
 *
 * - Claude Code's transcripts (the subscription's requests, and any other): read with
 *   `scanTranscripts` / `readClaudeTranscripts`, which already keep the last record of each message
 *   id + request id. Pass the ledger's request ids (`Ledger.apiRequestIds()`) to that scan so the
 *   turns billed to the API key are left out there…
 * - …and come from the ledger's request rows instead ({@link eventsFromLedgerRows}), with the cost
 *   that was metered. Together each request is counted once.
 */
export interface RequestEvent {
  /** Epoch ms. */
  at: number;
  /** The billed model; null when not recorded. */
  model: string | null;
  /** At API list prices, integer nano-dollars; null when unknown (never 0 for unknown). */
  costNanoUsd: number | null;
  /** Token counts, for re-pricing at another model and for context sizes; null when unknown. */
  usage: TokenUsage | null;
  /** The directory Claude Code ran in (`cwd`); null when not recorded. */
  project: string | null;
  /** Claude Code's session id; null when not recorded. */
  sessionId: string | null;
}

/**
 * The prompt a request sent: uncached input + cache writes + cache reads. What a conversation's
 * context weighs, and what decides the long-context tier.
 */
export function promptTokens(usage: TokenUsage): number {
  return (
    usage.input_tokens +
    usage.cache_creation_5m_input_tokens +
    usage.cache_creation_1h_input_tokens +
    usage.cache_read_input_tokens
  );
}

/** Transcript entries priced exactly as `usage --subscription` prices them ({@link knownCostNanoUsd}). */
export function eventsFromTranscripts(entries: readonly TranscriptEntry[], pricing: Pricing): RequestEvent[] {
  return entries.map((entry) => ({
    at: entry.at,
    model: entry.model,
    costNanoUsd: knownCostNanoUsd(pricing, entry.model, entry.usage),
    usage: entry.usage,
    project: entry.cwd,
    sessionId: entry.sessionId,
  }));
}

/**
 * Ledger rows as forecast input, at the cost metered then. A request refused by a cap never reached
 * the API and was no work, so it is left out; errors and aborts stay (the user was working).
 */
export function eventsFromLedgerRows(rows: readonly LedgerRequestRow[]): RequestEvent[] {
  return rows
    .filter((row) => row.outcome !== "refused_cap")
    .map((row) => ({
      at: row.at,
      model: row.model ?? row.requested_model,
      costNanoUsd: row.cost_nanousd,
      usage: {
        input_tokens: row.input_tokens,
        output_tokens: row.output_tokens,
        cache_creation_5m_input_tokens: row.cache_write_5m_tokens,
        cache_creation_1h_input_tokens: row.cache_write_1h_tokens,
        cache_read_input_tokens: row.cache_read_tokens,
        server_tool_use: {
          web_search_requests: row.web_search_requests,
          web_fetch_requests: row.web_fetch_requests,
        },
      },
      project: row.cwd,
      sessionId: row.claude_session_id,
    }));
}
