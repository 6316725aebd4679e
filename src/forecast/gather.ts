/**
 * The forecast's I/O: its history read from Claude Code's transcripts and the usage ledger (each
 * request once: the turns billed to the API key come from the ledger), the conversation's last
 * request, and a project's tracked files for a cold start; then the pure engine. What could not be
 * read is returned by name, never taken as "no history".
 */
import { findSessionTranscript } from "../claude/transcripts/find.js";
import {
  readClaudeTranscripts,
  scanCandidateLines,
  unreadableTranscriptText,
} from "../claude/transcripts/scan.js";
import { FallbackError } from "../errors.js";
import { createPricing, type PriceOverride } from "../pricing/pricing.js";
import { type TokenUsage, tokenUsageFromApi } from "../pricing/token-usage.js";
import { ledgerPath, openExistingLedger } from "../usage/ledger.js";
import { eventsFromLedgerRows, eventsFromTranscripts, type RequestEvent } from "./events.js";
import { buildForecast, type CapInput, HISTORY_DAYS } from "./forecast.js";
import type { Forecast } from "./output.js";

const DAY_MS = 86_400_000;

export interface ForecastQuery {
  env: Record<string, string | undefined>;
  dataDir: string;
  /** IANA zone, or `undefined` for this process's zone. */
  zone: string | undefined;
  /** Its name, as the report shows it; default `zone`, else the system zone's (ICU). */
  zoneName?: string | undefined;
  now: number;
  pricing: Readonly<Record<string, PriceOverride>>;
  /** The model the figures are priced at (`api_model`); null: the conversation's, else the observed mix. */
  model?: string | null;
  project?: string | null;
  resetsAt?: number | null;
  caps?: readonly CapInput[];
  /** The conversation whose next request is priced. */
  sessionId?: string | null;
  /** Estimate from the project's tracked files when it has no history. */
  codebase?: boolean;
}

export interface GatheredForecast {
  forecast: Forecast;
  /** What could not be read, each with why: the figures leave it out. */
  unreadable: string[];
}

/** The last billed request of a conversation (its context now), from its transcript. */
export function lastRequestOf(path: string): { model: string | null; usage: TokenUsage } | null {
  let last: { model: string | null; usage: TokenUsage } | null = null;
  scanCandidateLines(path, (line) => {
    try {
      const record = JSON.parse(line) as { type?: unknown; message?: { model?: unknown; usage?: unknown } };
      const model = record.message?.model;
      if (record.type !== "assistant" || !record.message?.usage || model === "<synthetic>") return;
      last = {
        model: typeof model === "string" ? model : null,
        usage: tokenUsageFromApi(record.message.usage),
      };
    } catch {
      // A line that is not a record: not a request.
    }
  });
  return last;
}

function why(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The subscription's history from the transcripts (weeks of them: the slow part, kept between queries). */
export interface TranscriptHistory {
  events: RequestEvent[];
  unreadable: string[];
  /** Epoch ms the transcripts were read. */
  readAt: number;
}

export function readTranscriptHistory(query: ForecastQuery, apiIds: ReadonlySet<string>): TranscriptHistory {
  const scan = readClaudeTranscripts(query.env, apiIds, { sinceMs: query.now - HISTORY_DAYS * DAY_MS });
  return {
    events: eventsFromTranscripts(scan.entries, createPricing(query.pricing)),
    unreadable: scan.unreadable.map(unreadableTranscriptText),
    readAt: query.now,
  };
}

/** The ledger's side: API-billed requests (quick: one indexed query), and their ids to leave out of the transcripts. */
function readLedgerHistory(query: ForecastQuery): {
  events: RequestEvent[];
  apiIds: Set<string>;
  unreadable: string[];
} {
  const file = ledgerPath(query.dataDir);
  const apiIds = new Set<string>();
  try {
    const ledger = openExistingLedger(file, {});
    if (!ledger) return { events: [], apiIds, unreadable: [] };
    try {
      for (const id of ledger.apiRequestIds()) apiIds.add(id);
      return {
        events: eventsFromLedgerRows(ledger.requestRowsSince(query.now - HISTORY_DAYS * DAY_MS)),
        apiIds,
        unreadable: [],
      };
    } finally {
      ledger.close();
    }
  } catch (error) {
    return {
      events: [],
      apiIds,
      // Our own messages say what could not be done ("could not open the usage ledger …").
      unreadable: [error instanceof FallbackError ? error.message : `could not read ${file}: ${why(error)}`],
    };
  }
}

/**
 * The forecast for `query`. `cached` transcripts (read by an earlier query of the same run) are
 * used as they are: a few minutes of requests more or less do not move a pace learned over weeks.
 */
export async function gatherForecast(
  query: ForecastQuery,
  cached: TranscriptHistory | null = null,
): Promise<GatheredForecast & { transcripts: TranscriptHistory }> {
  const ledger = readLedgerHistory(query);
  const transcripts = cached ?? readTranscriptHistory(query, ledger.apiIds);
  const unreadable = [...ledger.unreadable, ...transcripts.unreadable];
  const events = [...transcripts.events, ...ledger.events];

  let conversation: { model: string | null; usage: TokenUsage } | null = null;
  if (query.sessionId) {
    const transcript = findSessionTranscript(query.sessionId, query.env);
    try {
      conversation = transcript ? lastRequestOf(transcript.path) : null;
    } catch (error) {
      unreadable.push(`could not read ${transcript?.path}: ${why(error)}`);
    }
  }
  let codebase = null;
  if (query.codebase && query.project) {
    // For a project without history the engine estimates from what it holds (outside git: nothing).
    // Loaded here: it runs git, and node:child_process is ~4 ms of a `status` that never asks for it.
    const { listTrackedFiles } = await import("./codebase-files.js");
    codebase = await listTrackedFiles(query.project).catch(() => null);
  }
  const forecast = buildForecast({
    now: query.now,
    zone: query.zone,
    zoneName: query.zoneName,
    events,
    pricing: createPricing(query.pricing),
    model: query.model ?? conversation?.model ?? null,
    project: query.project ?? null,
    resetsAt: query.resetsAt ?? null,
    caps: query.caps ?? [],
    conversation,
    codebase,
  });
  return { forecast, unreadable, transcripts };
}
