/** Small order statistics for the forecast. Pure; inputs are never modified. */

/**
 * The `q` quantile (0 < q ≤ 1) of `values`: the smallest value whose share of the count (or of
 * the weights, when given) reaching up to it is at least `q`. NaN for no values. A sample value is
 * always returned, never an interpolation, so a quantile of costs is a cost that happened.
 */
export function quantile(values: readonly number[], q: number, weights?: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const order = values.map((_, index) => index).sort((a, b) => values[a]! - values[b]!);
  const weightOf = (index: number) => weights?.[index] ?? 1;
  const total = order.reduce((sum, index) => sum + weightOf(index), 0);
  let reached = 0;
  for (const index of order) {
    reached += weightOf(index);
    if (reached >= q * total - 1e-12 * total) return values[index]!;
  }
  return values[order.at(-1)!]!;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * How far a forecast's outcome may fall from it, as multipliers of the forecast: the median and
 * the 90th percentile of past outcome / forecast ratios. Few past ratios say little, so they are
 * blended with a prior worth {@link PRIOR_SAMPLES} ratios.
 */
export interface Spread {
  p50: number;
  p90: number;
  /** Past ratios behind it (0: the prior alone). */
  samples: number;
}

/**
 * The prior, before any history says otherwise: the outcome as forecast at the median, and up to
 * twice the forecast at the 90th percentile. A judgement, not a measurement: Claude Code's spend
 * per active hour moves several-fold with the task and the size of the context.
 */
export const PRIOR_SPREAD: Readonly<Spread> = Object.freeze({ p50: 1, p90: 2, samples: 0 });
export const PRIOR_SAMPLES = 2;

/**
 * The spread of `ratios` (outcome / forecast), blended with `prior`. Ratios over overlapping
 * stretches are not independent: 80 ratios over week-long stretches from four weeks of history
 * hold about four weeks' worth of evidence. `independent` says how many they are worth (default:
 * all of them), and weighs them against the prior.
 */
export function spreadOf(
  ratios: readonly number[],
  prior: Readonly<Spread> = PRIOR_SPREAD,
  independent: number = ratios.length,
): Spread {
  const n = ratios.length;
  if (n === 0) return { ...prior, samples: 0 };
  const weight = Math.max(0, Math.min(n, independent));
  const blend = (empirical: number, prior: number) =>
    (weight * empirical + PRIOR_SAMPLES * prior) / (weight + PRIOR_SAMPLES);
  return {
    p50: blend(quantile(ratios, 0.5), prior.p50),
    p90: blend(quantile(ratios, 0.9), prior.p90),
    samples: n,
  };
}

const Z90 = 1.2815515655446004;

/**
 * The 90th percentile multiplier of a product of independent factors, each given by its median and
 * 90th percentile, treating each as log-normal: the logs' medians add, their spreads add in
 * quadrature. One factor gives its own p90 back.
 */
export function productP90(factors: readonly Spread[]): number {
  let logMedian = 0;
  let variance = 0;
  for (const factor of factors) {
    const p50 = Math.max(factor.p50, 1e-9);
    logMedian += Math.log(p50);
    const sigma = Math.max(0, Math.log(Math.max(factor.p90, 1e-9) / p50)) / Z90;
    variance += sigma * sigma;
  }
  return Math.exp(logMedian + Z90 * Math.sqrt(variance));
}
