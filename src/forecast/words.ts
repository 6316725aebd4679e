/**
 * The forecast in words, one table for every place that shows it: the limit prompt, `forecast`,
 * `status`, the headless hint and the limit notification. PURE.
 */
import { describeAt } from "../dates.js";
import { formatUsd } from "../money.js";
import type { Forecast } from "./output.js";

/**
 * "at 15:00" in the forecast's own zone, "on Dec 8 at 15:00" for another day than the forecast's
 * (as a reset is worded); `about`: "at about 15:00". A zone Intl does not know keeps the time of the
 * instant's own text (its offset is the zone's), without a day.
 */
function when(forecast: Forecast, iso: string, about = false): string {
  try {
    return describeAt(Date.parse(iso), Date.parse(forecast.generated_at), forecast.timezone, about);
  } catch {
    const match = /T(\d\d:\d\d)/.exec(iso);
    return `at ${about ? "about " : ""}${match ? match[1]! : iso}`;
  }
}

function thousands(tokens: number): string {
  return tokens >= 1000 ? `${Math.round(tokens / 1000)}k` : String(tokens);
}

type Readable = Forecast & { unreadable?: readonly string[] };

/** Why there is no forecast: `line` after a "Forecast:" label, `note` a sentence of its own. */
export const NO_BASIS = {
  unreadable: {
    line: "not known: the history it is made from could not be read",
    note: "No forecast: the history it is made from could not be read",
  },
  too_little: {
    line: "too little history yet to forecast from (less than a quarter of an hour of work)",
    note: "No forecast: too little history yet — less than a quarter of an hour of work",
  },
  no_history: { line: "no history yet to forecast from", note: "No forecast: no history yet" },
} as const;

/** Why a forecast without a basis has none; null: it has one. */
export function noBasisReason(forecast: Readable): keyof typeof NO_BASIS | null {
  if (forecast.basis.kind !== "none") return null;
  // What could not be read is not known to be empty (SPEC §14).
  if (forecast.unreadable?.length) return "unreadable";
  // Some requests, but less work than a pace is learned from (MIN_ACTIVE_BUCKETS).
  return forecast.projects.some((project) => project.requests > 0) ? "too_little" : "no_history";
}

/** Where the figures come from, as a sentence without its full stop (the limit prompt's note). */
export function basisNote(forecast: Readable): string {
  const reason = noBasisReason(forecast);
  if (reason) return NO_BASIS[reason].note;
  return forecast.basis.kind === "codebase"
    ? `Forecast: ${basisText(forecast)}`
    : `Forecast ${basisText(forecast)}`;
}

/** Where the figures come from, for the reader to weigh them (after a "Forecast:" label). */
export function basisText(forecast: Readable): string {
  const { basis } = forecast;
  const reason = noBasisReason(forecast);
  if (reason) return NO_BASIS[reason].line;
  if (basis.kind === "codebase") {
    const files = basis.codebase?.files ?? 0;
    return `an estimate from the codebase (${files} tracked file${files === 1 ? "" : "s"}), not from history`;
  }
  const scope = basis.scope === "project" ? "this project's" : "your";
  const since = basis.since ? ` since ${basis.since.slice(0, 10)}` : "";
  return `from ${scope} last ${Math.round(basis.active_hours * 10) / 10} active hours${since}`;
}

/** "$6.10 an hour of work (up to $10.90)", or null without a pace. */
export function paceText(forecast: Forecast): string | null {
  const { pace } = forecast;
  if (!pace) return null;
  return `${formatUsd(pace.usd_per_hour)} an hour of work (up to ${formatUsd(pace.usd_per_hour_p90)})`;
}

/** "about $18 (up to $30) if you keep working until the reset at 15:00", or null. */
export function untilResetText(forecast: Forecast): string | null {
  const until = forecast.until_reset;
  if (until.usd === null || !until.resets_at) return null;
  const up = until.usd_p90 !== null ? ` (up to ${formatUsd(until.usd_p90)})` : "";
  const how = until.assumption === "daily_rhythm" ? "working your usual hours" : "if you keep working";
  return `about ${formatUsd(until.usd)}${up} ${how} until the reset ${when(forecast, until.resets_at)}`;
}

/** "the first request re-sends this conversation (150k tokens): about $0.94; later ones about $0.09", or null. */
export function nextRequestText(forecast: Forecast): string | null {
  const next = forecast.next_request;
  if (!next || next.first_usd === null) return null;
  const later = next.cached_usd !== null ? `; later ones about ${formatUsd(next.cached_usd)}` : "";
  return `the first request re-sends this conversation (${thousands(next.context_tokens)} tokens) to the API's cache: about ${formatUsd(next.first_usd)}${later}`;
}

/** "the per-session cap of $10.00 stops it at about 14:45", for the first cap that would, or null. */
export function capStopText(forecast: Forecast, label: (name: string) => string): string | null {
  const cap = forecast.until_reset.caps
    .filter((entry) => entry.reached_at !== null)
    .sort((a, b) => String(a.reached_at).localeCompare(String(b.reached_at)))[0];
  if (!cap?.reached_at) return null;
  if (cap.remaining_usd <= 0)
    return `the ${label(cap.name)} cap of ${formatUsd(cap.limit_usd)} is already reached`;
  return `the ${label(cap.name)} cap of ${formatUsd(cap.limit_usd)} stops it ${when(forecast, cap.reached_at, true)}`;
}

/** One sentence for a notification or a hint: the until-reset figure, else the pace; null: nothing known. */
export function forecastSummary(forecast: Forecast): string | null {
  const until = untilResetText(forecast);
  if (until) return `On API billing: ${until}.`;
  const pace = paceText(forecast);
  return pace ? `On API billing: ${pace}.` : null;
}
