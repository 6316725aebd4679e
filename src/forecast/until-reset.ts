import { nanoToUsd } from "../money.js";
import { isoInZone, periodOf } from "../usage/periods.js";
import type { Timeline } from "./activity.js";
import type { CapForecast, UntilReset } from "./output.js";
import {
  activityRatios,
  type LocalSlots,
  type Rhythm,
  type RhythmCurve,
  rhythmCurve,
  rhythmSegments,
  type Segment,
  segmentsActiveHours,
} from "./rhythm.js";
import { productP90, type Spread, spreadOf } from "./stats.js";

/**
 * From now to a limit's reset: how much work, at what pace, what it costs, and when each cap
 * would stop it.
 *
 * - A reset within {@link NEAR_RESET_HOURS} is a working session away: the user, who has just hit
 *   the limit in the middle of a task, is assumed to go on working at the recent pace the whole
 *   time (every hour ahead an active hour). The figure answers "if I keep going until the reset".
 * - A later reset (the weekly windows: days away) is forecast with the daily rhythm: the hours
 *   ahead count by the share of each local hour the user usually spends active (rhythm.ts),
 *   scaled by the median of how much they actually worked, against the rhythm, in past stretches
 *   as long that began while they were at work (`activityRatios`): at a limit the user is at work,
 *   and a day with work in it holds more than the average day.
 *
 * Expected dollars = pace × those active hours. P90: the pace's spread over that many active hours
 * (pace.ts) and, with the rhythm, the spread of the activity, combined as independent log-normal
 * factors (stats.ts); never below the expectation, and when the pace is re-priced for the model in
 * use, never below the P90 of the spending as recorded (the user may switch back).
 */
export const NEAR_RESET_HOURS = 5;
const HOUR_MS = 3_600_000;

export type HorizonAssumption = "continuous" | "daily_rhythm";

/**
 * A minute over the 5 hours still counts as within them: a reset read from Claude's text is known
 * to the minute and taken at the minute's end, so a 5-hour window's reset seen at once is up to a
 * minute beyond 5 h, and the same history must not give another figure for that.
 */
const RESET_PRECISION_HOURS = 1 / 60;

export function assumptionFor(hoursToReset: number): HorizonAssumption {
  return hoursToReset <= NEAR_RESET_HOURS + RESET_PRECISION_HOURS ? "continuous" : "daily_rhythm";
}

/** The whole stretch active: the near-reset assumption. */
export function continuousSegments(fromMs: number, toMs: number): Segment[] {
  return toMs > fromMs ? [{ start: fromMs, end: toMs, share: 1 }] : [];
}

export interface HorizonCost {
  activeHours: number;
  /** Expected spend, nano-dollars: pace × active hours. */
  expectedNano: number;
  /** 90th percentile, nano-dollars; never below the expectation. */
  p90Nano: number;
}

/**
 * The spend of `activeHours` at `nanoPerHour`. `spreads` are the independent sources of error, as
 * multipliers: the pace's over that many active hours, and for the rhythm how much the user
 * actually worked against it; their P90s combine as log-normals (stats.ts).
 */
export function horizonCost(
  activeHours: number,
  nanoPerHour: number,
  spreads: readonly Spread[],
): HorizonCost {
  const expectedNano = nanoPerHour * activeHours;
  const p90Nano = Math.max(expectedNano, nanoPerHour * activeHours * productP90(spreads));
  return { activeHours, expectedNano, p90Nano };
}

/** A spending cap to forecast, with what has been spent against it so far. */
export interface CapInput {
  /** As the caller names it: "session", "day", "month", "until_reset"… */
  name: string;
  limitNanoUsd: number;
  /** Spent in the cap's current period, nano-dollars. */
  spentNanoUsd: number;
  /**
   * A calendar cap starts again from $0 at each local midnight ("day") or first of the month
   * ("month"), in the forecast's zone; null or absent: it never starts again within the horizon.
   */
  period?: "day" | "month" | null;
}

/**
 * When spending at `nanoPerHour` per active hour over `segments` first takes the cap's spend to
 * its limit: an instant (epoch ms), `now` when it is reached already, null when not before the
 * segments end. A calendar cap starts from $0 in each new period.
 */
export function capReachedAt(
  cap: CapInput,
  segments: readonly Segment[],
  nanoPerHour: number,
  now: number,
  zone: string | undefined,
): number | null {
  if (cap.spentNanoUsd >= cap.limitNanoUsd) return now;
  const period = cap.period ?? null;
  let periodEnd = period ? periodOf(period, now, zone).endMs : Number.POSITIVE_INFINITY;
  let spent = cap.spentNanoUsd;
  for (const segment of segments) {
    const perMs = (nanoPerHour * segment.share) / HOUR_MS;
    let at = segment.start;
    while (at < segment.end) {
      if (period && at >= periodEnd) {
        spent = 0;
        periodEnd = periodOf(period, at, zone).endMs;
      }
      const stop = Math.min(segment.end, periodEnd);
      if (perMs > 0) {
        const reachedAt = at + (cap.limitNanoUsd - spent) / perMs;
        if (reachedAt <= stop) return Math.ceil(reachedAt);
        spent += perMs * (stop - at);
      }
      at = stop;
    }
  }
  return null;
}

// ── The `until_reset` object ────────────────────────────────────────────────────────────────────

/** Where the pace comes from: history or the codebase. */
export interface PaceSource {
  /** Expected spend per active hour, nano-dollars. */
  nanoPerHour: number;
  /** The spread of the spend over that many active hours ahead. */
  spreadFor(activeHours: number): Spread;
  /**
   * When the pace is re-priced for the model in use: the spending as recorded (the user's mix of
   * models). The P90 is never below this one's, as the user may change models again.
   */
  recorded?: Omit<PaceSource, "recorded">;
}

/**
 * Day-to-day variation in how much the user works, until their own history shows it: over a day,
 * the P90 half as long again as the rhythm's expectation, narrowing as 1/√days over longer
 * stretches (an assumption; the history outweighs it).
 */
export function activityPrior(horizonMs: number): Spread {
  return { p50: 1, p90: 1 + 0.5 / Math.max(1, horizonMs / (24 * HOUR_MS)) ** 0.25, samples: 0 };
}

/** Resets further away than this are forecast only this far (a month: no window is longer). */
export const MAX_HORIZON_MS = 31 * 24 * HOUR_MS;

export interface UntilResetInput {
  now: number;
  zone: string | undefined;
  resetsAt: number | null;
  caps: readonly CapInput[];
  source: PaceSource | null;
  /** All history (the rhythm's), its learned rhythm and local clock. */
  all: Timeline;
  rhythm: Rhythm;
  local: LocalSlots;
  rhythmStart: number;
}

export function untilReset(input: UntilResetInput): UntilReset {
  const { now, zone, resetsAt, caps, source } = input;
  const iso = (ms: number | null) => (ms === null ? null : isoInZone(ms, zone));
  const capRows = (reached: (cap: CapInput) => [number | null, number | null]): CapForecast[] =>
    caps.map((cap) => {
      const [at, atP90] = reached(cap);
      return {
        name: cap.name,
        limit_usd: nanoToUsd(cap.limitNanoUsd),
        spent_usd: nanoToUsd(cap.spentNanoUsd),
        remaining_usd: nanoToUsd(Math.max(0, cap.limitNanoUsd - cap.spentNanoUsd)),
        reached_at: iso(at),
        reached_at_p90: iso(atP90),
      };
    });
  const reachedAlready = (cap: CapInput): [number | null, number | null] =>
    cap.spentNanoUsd >= cap.limitNanoUsd ? [now, now] : [null, null];

  if (resetsAt === null) {
    return { ...EMPTY, caps: capRows(reachedAlready) };
  }
  if (resetsAt <= now) {
    // The reset has come: nothing more is spent before it.
    return {
      ...EMPTY,
      resets_at: iso(resetsAt),
      hours: 0,
      active_hours: 0,
      usd: 0,
      usd_p90: 0,
      caps: capRows(reachedAlready),
    };
  }
  const end = Math.min(resetsAt, now + MAX_HORIZON_MS);
  const hours = (resetsAt - now) / HOUR_MS;
  const assumption = assumptionFor(hours);
  const { all, rhythm, local, rhythmStart } = input;
  const segments =
    assumption === "continuous" ? continuousSegments(now, end) : rhythmSegments(rhythm, local, now, end);
  // The rhythm's hours, times how much more (or less) the user has worked in such stretches when
  // at work at their start: the activity's median ratio.
  let activity: Spread | null = null;
  if (assumption === "daily_rhythm") {
    const curve: RhythmCurve = rhythmCurve(rhythm, local);
    const { ratios, independent } = activityRatios(all, curve, rhythmStart, now, end - now);
    activity = spreadOf(ratios, activityPrior(end - now), independent);
  }
  const activeHours = segmentsActiveHours(segments) * (activity?.p50 ?? 1);
  const base = { resets_at: iso(resetsAt), hours, assumption, active_hours: activeHours };
  if (source === null) {
    return { ...base, usd: null, usd_p90: null, caps: capRows(reachedAlready) };
  }
  const costAt = (pace: Omit<PaceSource, "recorded">) => {
    const paceSpread = pace.spreadFor(activeHours);
    return horizonCost(activeHours, pace.nanoPerHour, activity ? [paceSpread, activity] : [paceSpread]);
  };
  const cost = costAt(source);
  if (source.recorded) cost.p90Nano = Math.max(cost.p90Nano, costAt(source.recorded).p90Nano);
  // Caps: the spend curve over the segments, scaled to the expected and to the P90 total.
  const perSegmentHour = (total: number) => {
    const segmentHours = segmentsActiveHours(segments);
    return segmentHours > 0 ? total / segmentHours : 0;
  };
  const expectedRate = perSegmentHour(cost.expectedNano);
  const p90Rate = perSegmentHour(cost.p90Nano);
  return {
    ...base,
    usd: nanoToUsd(Math.round(cost.expectedNano)),
    usd_p90: nanoToUsd(Math.round(cost.p90Nano)),
    caps: capRows((cap) => [
      capReachedAt(cap, segments, expectedRate, now, zone),
      capReachedAt(cap, segments, p90Rate, now, zone),
    ]),
  };
}

const EMPTY: UntilReset = {
  resets_at: null,
  hours: null,
  assumption: null,
  active_hours: null,
  usd: null,
  usd_p90: null,
  caps: [],
};
