/**
 * The forecast, as one plain object: what the limit prompt, `forecast [--json]`, `status [--json]`
 * and the status line all render. JSON as it is (snake_case, stable; fields are only ever added).
 * Money is in US dollars as numbers (`nanoToUsd` of integer nano-dollars, full precision; format
 * with `formatUsd`); instants are ISO 8601 in the forecast's zone; durations are hours.
 *
 * It is the core of `forecast --json` (`ForecastReport` in `report.ts`, printed by `forecastCommand`
 * in `cli/forecast.ts` and inside `status --json`); every field is documented in the README ("JSON
 * output", `forecast --json`), held to the real output by the drift test in `cli/forecast.test.ts`.
 */
export interface Forecast {
  generated_at: string;
  timezone: string;
  /** The figures are priced for this model (a table id); null: each past request at its own model. */
  model: string | null;
  /** The model asked for, when the price table does not have it (figures then at the observed mix). */
  model_unpriced: string | null;
  /** The project asked for; null: all projects. */
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
