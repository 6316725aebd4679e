import type { Pricing } from "../pricing/pricing.js";
import type { TokenUsage } from "../pricing/token-usage.js";
import { isoInZone, periodOf, systemZone } from "../usage/periods.js";
import { activeHours, type Timeline } from "./activity.js";
import { type CodebaseFile, codebasePace, estimateCodebase, REQUESTS_PER_ACTIVE_HOUR } from "./codebase.js";
import type { RequestEvent } from "./events.js";
import { historyPace, type PricedEvent, projectPaces, timelineOf, usd } from "./history.js";
import { nextRequestCost, type RequestShape, typicalRequestShape } from "./next-request.js";
import type { CodebaseBasis, Forecast, ForecastBasis, ForecastPace, NextRequest } from "./output.js";
import { DEFAULT_HALF_LIFE_HOURS } from "./pace.js";
import { defaultRhythm, learnRhythm, localSlots, RHYTHM_DAYS } from "./rhythm.js";
import type { Spread } from "./stats.js";
import { type CapInput, MAX_HORIZON_MS, type PaceSource, untilReset } from "./until-reset.js";

/**
 * The forecast engine: pure. The caller reads the history (transcripts, ledger), the clock and the
 * zone, and passes them in; nothing here reads a file, the network or the time.
 *
 * The basis, in order: the project's own history (when `project` is given) or all history; with
 * less than {@link MIN_ACTIVE_BUCKETS} of it, the codebase estimate when `codebase` files are given;
 * then, for a project, all of the user's history; else none (every dollar figure null).
 */
export interface ForecastInput {
  /** Epoch ms. */
  now: number;
  /**
   * IANA zone (already checked), or `undefined` for this process's zone: local days, the daily
   * rhythm, timestamps shown.
   */
  zone: string | undefined;
  /** The zone's name, as the report shows it; default `zone`, else the system zone's (ICU). */
  zoneName?: string | undefined;
  events: readonly RequestEvent[];
  pricing: Pricing;
  /**
   * The model in use (the conversation's, or `api_model`): past requests are re-priced at it from
   * their tokens. Absent or null: each at the model it ran on (the observed mix).
   */
  model?: string | null;
  /** Focus on one project (a directory: its requests and those of its subdirectories). */
  project?: string | null;
  /** The limit's reset, epoch ms. */
  resetsAt?: number | null;
  caps?: readonly CapInput[];
  /** The conversation's last request, for the next request's cost. */
  conversation?: { model: string | null; usage: TokenUsage } | null;
  /** The focus project's tracked files, for a cold start. */
  codebase?: readonly CodebaseFile[] | null;
  /** Weighting of the pace (tuning and benchmarks); default {@link DEFAULT_HALF_LIFE_HOURS}. */
  halfLifeHours?: number;
}

export type { CapInput } from "./until-reset.js";

const DAY_MS = 86_400_000;
export const HISTORY_DAYS = RHYTHM_DAYS;
/** A quarter of an hour of work: less is no pace. */
export const MIN_ACTIVE_BUCKETS = 3;

/** `dir` itself or below it. */
function inProject(project: string | null, dir: string): boolean {
  if (project === null) return false;
  const root = dir.endsWith("/") ? dir.slice(0, -1) : dir;
  return project === root || project.startsWith(`${root}/`);
}

/** Each event's cost at the model in use (from its tokens) or as recorded; null: unknown. */
function pricer(pricing: Pricing, model: string | null | undefined) {
  const target = model ? pricing.lookup(model) : undefined;
  const cost = (event: RequestEvent): number | null => {
    if (target && event.usage) {
      const repriced = pricing.cost(target.id, event.usage);
      if (repriced.known) return repriced.nanoUsd;
    }
    return event.costNanoUsd;
  };
  return { cost, modelId: target?.id ?? null, unpriced: model && !target ? model : null };
}

interface Basis {
  kind: ForecastBasis["kind"];
  scope: ForecastBasis["scope"];
  source: PaceSource | null;
  pace: ForecastPace | null;
  /** The history the pace came from. */
  timeline: Timeline | null;
  codebase: CodebaseBasis | null;
}

const NO_BASIS: Basis = {
  kind: "none",
  scope: null,
  source: null,
  pace: null,
  timeline: null,
  codebase: null,
};

function historyBasis(
  events: readonly PricedEvent[],
  scope: "project" | "all_projects",
  halfLife: number,
  repriced: boolean,
  timeline: Timeline,
): Basis {
  const history = historyPace(events, halfLife, repriced, timeline);
  return {
    kind: "history",
    scope,
    source: history,
    pace: history.pace,
    timeline: history.timeline,
    codebase: null,
  };
}

function codebaseBasis(
  files: readonly CodebaseFile[],
  model: string | null,
  shape: RequestShape,
  pricing: Pricing,
  all: Timeline,
): Basis {
  // The user's own request rate, from other projects, when there is one.
  const rate = all.buckets.length >= MIN_ACTIVE_BUCKETS ? all.requests / activeHours(all) : null;
  const estimate = estimateCodebase(
    files,
    model,
    shape,
    pricing,
    rate === null ? REQUESTS_PER_ACTIVE_HOUR : { low: rate / 1.5, high: rate * 1.5 },
  );
  const dollars = (range: { low: number; high: number }) => ({ low: usd(range.low), high: usd(range.high) });
  const codebase: CodebaseBasis = {
    files: estimate.files,
    bytes: estimate.bytes,
    tokens: estimate.tokens,
    context_tokens: estimate.contextTokens,
    requests_per_active_hour: estimate.requestsPerActiveHour,
    usd_per_request: estimate.perRequestNano && dollars(estimate.perRequestNano),
    usd_per_hour: estimate.perHourNano && dollars(estimate.perHourNano),
  };
  if (!estimate.perHourNano) return { ...NO_BASIS, kind: "codebase", codebase };
  const middle = codebasePace(estimate.perHourNano);
  // The range's top is the P90, whatever the stretch: a codebase says nothing about how pace varies.
  const spread: Spread = {
    p50: 1,
    p90: middle.nanoPerHour > 0 ? middle.p90 / middle.nanoPerHour : 1,
    samples: 0,
  };
  return {
    kind: "codebase",
    scope: null,
    source: { nanoPerHour: middle.nanoPerHour, spreadFor: () => spread },
    pace: {
      usd_per_hour: usd(middle.nanoPerHour),
      usd_per_hour_p50: usd(middle.p50),
      usd_per_hour_p90: usd(middle.p90),
      spread_samples: 0,
    },
    timeline: null,
    codebase,
  };
}

function latestModel(events: readonly RequestEvent[]): string | null {
  let latest: RequestEvent | undefined;
  for (const event of events) if (event.model !== null && (!latest || event.at >= latest.at)) latest = event;
  return latest?.model ?? null;
}

function nextRequestOf(
  conversation: ForecastInput["conversation"],
  model: string | null,
  shape: RequestShape,
  pricing: Pricing,
): NextRequest | null {
  if (!conversation || model === null) return null;
  const next = nextRequestCost(conversation.usage, model, shape, pricing);
  return {
    model: next.model,
    context_tokens: next.contextTokens,
    new_tokens: next.shape.newTokens,
    output_tokens: next.shape.outputTokens,
    first_usd: next.firstNano === null ? null : usd(next.firstNano),
    cached_usd: next.cachedNano === null ? null : usd(next.cachedNano),
  };
}

export function buildForecast(input: ForecastInput): Forecast {
  const { now, zone, pricing } = input;
  const halfLife = input.halfLifeHours ?? DEFAULT_HALF_LIFE_HOURS;
  const windowStart = now - HISTORY_DAYS * DAY_MS;
  const events = input.events.filter((event) => event.at >= windowStart && event.at < now);
  const price = pricer(pricing, input.model);
  const priced: PricedEvent[] = [];
  for (const event of events) {
    const costNanoUsd = price.cost(event);
    if (costNanoUsd !== null) priced.push({ at: event.at, costNanoUsd, event });
  }
  const repriced = price.modelId !== null;
  const all = timelineOf(priced);
  const focus = input.project ?? null;
  const inScope = focus === null ? priced : priced.filter((p) => inProject(p.event.project, focus));
  // The model in use, as asked (priced or not), else the conversation's, else the latest seen.
  const model = input.model ?? input.conversation?.model ?? latestModel(events);
  const shape = typicalRequestShape(events);

  let basis = NO_BASIS;
  const scoped = focus === null ? all : timelineOf(inScope);
  if (scoped.buckets.length >= MIN_ACTIVE_BUCKETS) {
    basis = historyBasis(inScope, focus === null ? "all_projects" : "project", halfLife, repriced, scoped);
  } else if (input.codebase) {
    basis = codebaseBasis(input.codebase, model, shape, pricing, all);
  } else if (focus !== null && all.buckets.length >= MIN_ACTIVE_BUCKETS) {
    basis = historyBasis(priced, "all_projects", halfLife, repriced, all);
  }

  // The daily rhythm is the user's, whatever the project: learned from all of the window.
  const resetsAt = input.resetsAt != null && Number.isFinite(input.resetsAt) ? input.resetsAt : null;
  const rhythmStart =
    all.firstAt === null ? now : Math.max(windowStart, periodOf("day", all.firstAt, zone).startMs);
  const horizonEnd = Math.max(now, Math.min(resetsAt ?? now, now + MAX_HORIZON_MS));
  const local = localSlots(rhythmStart, horizonEnd, zone);
  const rhythm = all.firstAt === null ? defaultRhythm() : learnRhythm(all, local, rhythmStart, now);

  const timeline = basis.timeline;
  return {
    generated_at: isoInZone(now, zone),
    timezone: input.zoneName ?? zone ?? systemZone(),
    model: price.modelId,
    model_unpriced: price.unpriced,
    project: focus,
    basis: {
      kind: basis.kind,
      scope: basis.scope,
      active_hours: timeline ? activeHours(timeline) : 0,
      since: timeline?.firstAt == null ? null : isoInZone(timeline.firstAt, zone),
      requests: timeline?.requests ?? 0,
      unpriced_requests: events.length - priced.length,
      history_days: HISTORY_DAYS,
      half_life_active_hours: halfLife,
      rhythm_days: Math.round(rhythm.days * 10) / 10,
      rhythm_splits_weekends: rhythm.split,
      codebase: basis.codebase,
    },
    pace: basis.pace,
    until_reset: untilReset({
      now,
      zone,
      resetsAt,
      caps: input.caps ?? [],
      source: basis.source,
      all,
      rhythm,
      local,
      rhythmStart,
    }),
    next_request: nextRequestOf(
      input.conversation,
      input.model ?? input.conversation?.model ?? null,
      shape,
      pricing,
    ),
    projects: projectPaces(priced, halfLife, repriced, zone),
  };
}
