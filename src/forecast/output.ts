/**
 * The forecast, as one plain object: what the limit prompt, `forecast [--json]`, `status [--json]`
 * and the status line all render. JSON as it is (snake_case, stable; fields are only ever added).
 * Money is in US dollars as numbers (`nanoToUsd` of integer nano-dollars, full precision; format
 * with `formatUsd`); instants are ISO 8601 in the forecast's zone; durations are hours.
 *
 * ```jsonc
 * {
 *   "generated_at": "2026-11-24T14:00:00.000+01:00",
 *   "timezone": "Europe/Paris",
 *   "model": "claude-opus-4-5-20251101", // the figures are priced for this model (table id); null: each past request at its own model
 *   "model_unpriced": null,      // the model asked for, when the price table does not have it (figures then at the observed mix)
 *   "project": "/home/me/app",   // the project asked for, or null: all projects
 *   "basis": {
 *     "kind": "history",         // "history" | "codebase" | "none"
 *     "scope": "project",        // "project" | "all_projects" (history); null otherwise
 *     "active_hours": 36.5, "since": "2026-10-28T09:12:00.000+01:00", "requests": 4120,
 *     "unpriced_requests": 0,    // left out of every figure: cost unknown (never counted as $0)
 *     "history_days": 28, "half_life_active_hours": 3,
 *     "rhythm_days": 27.2, "rhythm_splits_weekends": true,
 *     "codebase": null           // with kind "codebase": files, bytes, tokens, ranges (see CodebaseBasis)
 *   },
 *   "pace": { "usd_per_hour": 6.1, "usd_per_hour_p50": 5.4, "usd_per_hour_p90": 10.9, "spread_samples": 34 },
 *   "until_reset": {
 *     "resets_at": "2026-11-24T17:00:00.000+01:00", "hours": 3,
 *     "assumption": "continuous",  // "continuous" (≤ 5 h: working the whole time) | "daily_rhythm"
 *     "active_hours": 3, "usd": 18.3, "usd_p90": 29.8,
 *     "caps": [{ "name": "session", "limit_usd": 10, "spent_usd": 2.5, "remaining_usd": 7.5,
 *                "reached_at": "2026-11-24T15:14:00.000+01:00", "reached_at_p90": "2026-11-24T14:45:00.000+01:00" }]
 *   },
 *   "next_request": { "model": "claude-opus-4-5", "context_tokens": 150000, "new_tokens": 3000,
 *                     "output_tokens": 600, "first_usd": 0.97, "cached_usd": 0.11 },
 *   "projects": [{ "project": "/home/me/app", "active_hours": 36.5, "requests": 4120,
 *                  "last_request_at": "…", "usd_per_hour": 6.1, "usd_per_hour_p50": 5.4, "usd_per_hour_p90": 10.9 }]
 * }
 * ```
 */
export interface Forecast {
  generated_at: string;
  timezone: string;
  model: string | null;
  model_unpriced: string | null;
  project: string | null;
  basis: ForecastBasis;
  /** Null with no basis at all. */
  pace: ForecastPace | null;
  /** Always an object: `usd` is null without a reset or without a basis. */
  until_reset: UntilReset;
  /** Null without a conversation, or without a model to price it at. */
  next_request: NextRequest | null;
  /** Every project with history in the window, the most recently used first. */
  projects: ProjectPace[];
}

export type BasisKind = "history" | "codebase" | "none";

export interface ForecastBasis {
  kind: BasisKind;
  scope: "project" | "all_projects" | null;
  /** Active hours of the history the pace came from. */
  active_hours: number;
  /** Its first request; null without history. */
  since: string | null;
  requests: number;
  /** Requests of unknown cost in the window, left out of every figure. */
  unpriced_requests: number;
  history_days: number;
  half_life_active_hours: number;
  /** Days the daily rhythm was learned from (0: the default rhythm). */
  rhythm_days: number;
  rhythm_splits_weekends: boolean;
  codebase: CodebaseBasis | null;
}

export interface LowHigh {
  low: number;
  high: number;
}

/** The cold-start estimate ("an estimate from the codebase, not from history"). */
export interface CodebaseBasis {
  files: number;
  bytes: number;
  tokens: number;
  context_tokens: LowHigh;
  requests_per_active_hour: LowHigh;
  usd_per_request: LowHigh | null;
  usd_per_hour: LowHigh | null;
}

export interface ForecastPace {
  /** Expected dollars per active hour (recency-weighted). */
  usd_per_hour: number;
  usd_per_hour_p50: number;
  usd_per_hour_p90: number;
  /** Past forecast errors the P50/P90 came from (0: the prior alone, or the codebase range). */
  spread_samples: number;
}

export interface UntilReset {
  resets_at: string | null;
  /** From now; 0 for a reset already past. */
  hours: number | null;
  assumption: "continuous" | "daily_rhythm" | null;
  active_hours: number | null;
  usd: number | null;
  usd_p90: number | null;
  caps: CapForecast[];
}

export interface CapForecast {
  name: string;
  limit_usd: number;
  spent_usd: number;
  remaining_usd: number;
  /** At the expected pace: when the cap stops spending (now when already reached); null: not before the reset. */
  reached_at: string | null;
  /** The same at the P90: the earliest it plausibly stops. */
  reached_at_p90: string | null;
}

export interface NextRequest {
  model: string;
  context_tokens: number;
  /** The typical new part and answer assumed (the user's recent medians, or defaults). */
  new_tokens: number;
  output_tokens: number;
  /** The first request on the key: the whole context written to the cache again. Null: model not priced. */
  first_usd: number | null;
  /** A following request, reading the context from the cache. */
  cached_usd: number | null;
}

export interface ProjectPace {
  project: string;
  active_hours: number;
  requests: number;
  last_request_at: string;
  usd_per_hour: number;
  usd_per_hour_p50: number;
  usd_per_hour_p90: number;
}
