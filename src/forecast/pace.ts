import { BUCKETS_PER_HOUR, type Timeline } from "./activity.js";
import { PRIOR_SPREAD, type Spread, spreadOf } from "./stats.js";

/**
 * Pace: dollars per active hour (see activity.ts), the recent hours weighted most, because the
 * pace follows the task (a refactor across a large context costs several times what a small fix
 * does, and the next hour is most like the last few).
 *
 * Weighting: an exponential decay by active time, not by clock time, so a night or a weekend in
 * between changes nothing: the active bucket `a` active hours before the latest one weighs
 * `0.5 ^ (a / halfLife)`. The pace is the weighted mean spend of the active buckets × 12.
 *
 * Half-life: {@link DEFAULT_HALF_LIFE_HOURS} active hours, from bench/forecast's sweep
 * (BENCHMARKS.md, "Forecast backtest"). The best half-life grows with the horizon: where tasks
 * change from session to session (the bursty history), 1–2 h forecasts the next 2 hours best,
 * while a day or a week ahead, and steady work, favour 12–24 h by a few points. 3 h stays within
 * 5 points of the best on every history and horizon there. One half-life for every horizon keeps
 * the figures consistent: `until_reset.usd` = `pace.usd_per_hour` × `until_reset.active_hours`.
 *
 * Spread (P50, P90): the engine's own past errors on this history. At every whole active hour of
 * the history (cut points), the pace known then is compared with what the following `n` active
 * buckets actually cost; the ratios actual / forecast give the median and 90th percentile
 * multipliers (blended with a prior while there are few, see stats.ts). So the P90 is as wide as
 * this user's spending has proved to move, for the same stretch of work ahead.
 */
export const DEFAULT_HALF_LIFE_HOURS = 3;

/** Ratios needed before a shorter stretch is preferred for the spread (see {@link paceSpread}). */
const ENOUGH_RATIOS = 5;

export interface PaceHistory {
  timeline: Timeline;
  halfLifeHours: number;
  /** The pace now: recency-weighted spend per active hour, nano-dollars. */
  nanoPerHour: number;
  /** `pastPerBucket[m]`: the weighted mean spend per active bucket known after `m` active hours. */
  pastPerBucket: number[];
}

export function paceHistory(timeline: Timeline, halfLifeHours = DEFAULT_HALF_LIFE_HOURS): PaceHistory {
  const decay = 0.5 ** (1 / (halfLifeHours * BUCKETS_PER_HOUR));
  let weightedSpend = 0;
  let weight = 0;
  const pastPerBucket = [Number.NaN];
  timeline.spend.forEach((amount, index) => {
    weightedSpend = weightedSpend * decay + amount;
    weight = weight * decay + 1;
    if ((index + 1) % BUCKETS_PER_HOUR === 0) pastPerBucket.push(weightedSpend / weight);
  });
  const nanoPerHour = weight > 0 ? (weightedSpend / weight) * BUCKETS_PER_HOUR : 0;
  return { timeline, halfLifeHours, nanoPerHour, pastPerBucket };
}

/** Actual / forecast spend of the `buckets` active buckets after each past cut point. */
export function paceRatios(history: PaceHistory, buckets: number): number[] {
  const { prefix } = history.timeline;
  const total = history.timeline.spend.length;
  const ratios: number[] = [];
  for (let hour = 1; hour < history.pastPerBucket.length; hour++) {
    const cut = hour * BUCKETS_PER_HOUR;
    if (cut + buckets > total) break;
    const forecast = history.pastPerBucket[hour]! * buckets;
    if (forecast > 0) ratios.push((prefix[cut + buckets]! - prefix[cut]!) / forecast);
  }
  return ratios;
}

/**
 * The spread of the spend over the next `activeHours` of work. When the history is too short for
 * ratios over that many hours, shorter stretches are used (halving): their ratios spread wider,
 * so the P90 errs on the high side.
 */
export function paceSpread(history: PaceHistory, activeHours: number): Spread {
  let buckets = Math.max(1, Math.round(activeHours * BUCKETS_PER_HOUR));
  let ratios = paceRatios(history, buckets);
  while (ratios.length < ENOUGH_RATIOS && buckets > BUCKETS_PER_HOUR) {
    buckets = Math.max(BUCKETS_PER_HOUR, Math.ceil(buckets / 2));
    ratios = paceRatios(history, buckets);
  }
  // Cut points are an active hour apart: stretches longer than that overlap.
  const independent = (ratios.length * BUCKETS_PER_HOUR) / Math.max(buckets, BUCKETS_PER_HOUR);
  return spreadOf(ratios, pacePrior(activeHours), independent);
}

/**
 * The prior spread of the spend over `activeHours` of work: {@link PRIOR_SPREAD} for an hour,
 * narrowing as 1/√hours (a long stretch averages several tasks out) — an assumption, which the
 * history outweighs as soon as it holds a few such stretches.
 */
export function pacePrior(activeHours: number): Spread {
  return { ...PRIOR_SPREAD, p90: 1 + (PRIOR_SPREAD.p90 - 1) / Math.max(1, activeHours) ** 0.25 };
}
