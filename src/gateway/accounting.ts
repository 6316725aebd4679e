/**
 * Every ledger row the gateway writes (SPEC §6: one row per request, also for errors and aborts),
 * built in one place from what happened to the request. PURE: the caller passes the times.
 */

import type { Pricing } from "../pricing/pricing.js";
import { tokenUsageFromApi } from "../pricing/token-usage.js";
import type { RequestOutcome, RequestRecord } from "../usage/ledger-records.js";
import type { MeterReading } from "./meter.js";

export type RequestRow = Omit<RequestRecord, "runId">;

/** What is known of a Messages request before it is sent. */
export interface RequestBase {
  /** Epoch ms when the request was received. */
  at: number;
  claudeSessionId: string | null;
  requestedModel: string | null;
}

/** A request that never reached the upstream, or whose answer was not billed. */
export interface UnbilledOutcome {
  outcome: Exclude<RequestOutcome, "ok">;
  httpStatus?: number | null;
  errorType?: string | null;
  requestId?: string | null;
}

export function unbilledRow(base: RequestBase, what: UnbilledOutcome, endedAt: number): RequestRow {
  return {
    ...base,
    httpStatus: what.httpStatus ?? null,
    outcome: what.outcome,
    errorType: what.errorType ?? null,
    requestId: what.requestId ?? null,
    durationMs: endedAt - base.at,
    costNanoUsd: 0,
  };
}

/** How a response that reached the client (or started to) ended. */
export interface ResponseEnd {
  reading: MeterReading;
  httpStatus: number;
  requestId: string | null;
  /** The client went away. */
  cancelled: boolean;
  /** The upstream's stream broke off. */
  streamFailed: boolean;
}

export interface MeteredRow {
  row: RequestRow;
  /** The model that answered when it has no price: its cost is unknown, never $0. */
  unpricedModel: string | null;
}

/** The row of a metered Messages response: tokens and cost of the model the response names. */
export function meteredRow(
  base: RequestBase,
  end: ResponseEnd,
  pricing: Pricing,
  endedAt: number,
): MeteredRow {
  const { reading } = end;
  const model = reading.model ?? base.requestedModel;
  const usage = reading.usage ? tokenUsageFromApi(reading.usage) : null;
  let costNanoUsd: number | null = 0;
  let longContext = false;
  let unpricedModel: string | null = null;
  if (usage && !model) {
    // Tokens were used but nothing names the model: the cost is unknown, never $0.
    costNanoUsd = null;
  } else if (usage && model) {
    const cost = pricing.cost(model, usage);
    if (cost.known) {
      costNanoUsd = cost.nanoUsd;
      longContext = cost.longContext;
    } else {
      costNanoUsd = null;
      unpricedModel = model;
    }
  }
  const ok = end.httpStatus >= 200 && end.httpStatus < 300;
  const outcome: RequestOutcome = end.cancelled
    ? "aborted"
    : end.streamFailed
      ? "upstream_error"
      : !ok || reading.errorType
        ? "error"
        : // A 2xx that ended cleanly but without its last event (message_stop) was cut short.
          reading.complete
          ? "ok"
          : "upstream_error";
  return {
    unpricedModel,
    row: {
      ...base,
      model: reading.model,
      httpStatus: end.httpStatus,
      outcome,
      errorType: reading.errorType,
      requestId: end.requestId,
      durationMs: endedAt - base.at,
      inputTokens: usage?.input_tokens ?? 0,
      outputTokens: usage?.output_tokens ?? 0,
      cacheWrite5mTokens: usage?.cache_creation_5m_input_tokens ?? 0,
      cacheWrite1hTokens: usage?.cache_creation_1h_input_tokens ?? 0,
      cacheReadTokens: usage?.cache_read_input_tokens ?? 0,
      webSearchRequests: usage?.server_tool_use?.web_search_requests ?? 0,
      webFetchRequests: usage?.server_tool_use?.web_fetch_requests ?? 0,
      costNanoUsd,
      longContext,
    },
  };
}
