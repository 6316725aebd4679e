import { describe, expect, test } from "vitest";
import { median, PRIOR_SAMPLES, PRIOR_SPREAD, productP90, quantile, spreadOf } from "./stats.js";

describe("quantile", () => {
  test.each([
    ["median of an odd count", [5, 1, 3], 0.5, undefined, 3],
    ["median of an even count: the lower middle (a value that happened)", [4, 1, 3, 2], 0.5, undefined, 2],
    ["90th percentile of 1..10", [10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 0.9, undefined, 9],
    ["the top", [2, 7, 3], 1, undefined, 7],
    ["weights move it", [1, 2, 3], 0.5, [1, 1, 10], 3],
    ["zero weights count for nothing", [1, 100], 0.9, [1, 0], 1],
    ["one value", [42], 0.9, undefined, 42],
  ])("%s", (_name, values, q, weights, expected) => {
    expect(quantile(values, q, weights)).toBe(expected);
  });

  test("no values: NaN, not 0", () => {
    expect(quantile([], 0.5)).toBeNaN();
    expect(median([])).toBeNaN();
  });

  test("does not reorder its input", () => {
    const values = [3, 1, 2];
    quantile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe("spreadOf", () => {
  test("no ratios: the prior", () => {
    expect(spreadOf([])).toEqual({ p50: PRIOR_SPREAD.p50, p90: PRIOR_SPREAD.p90, samples: 0 });
  });

  test.each([
    ["a few ratios lean on the prior", [1, 1, 1], 3, (3 * 1 + PRIOR_SAMPLES * 2) / (3 + PRIOR_SAMPLES)],
    ["many ratios outweigh it", new Array(1000).fill(1.25), 1000, (1000 * 1.25 + PRIOR_SAMPLES * 2) / 1002],
    ["overlapping ratios count for fewer", new Array(1000).fill(1), 2, (2 + PRIOR_SAMPLES * 2) / 4],
  ])("%s", (_name, ratios, independent, p90) => {
    const spread = spreadOf(ratios, PRIOR_SPREAD, independent);
    expect(spread.p90).toBeCloseTo(p90, 12);
    expect(spread.samples).toBe(ratios.length);
  });
});

describe("productP90", () => {
  test("one factor gives its own P90 back", () => {
    expect(productP90([{ p50: 0.9, p90: 1.7, samples: 10 }])).toBeCloseTo(1.7, 12);
  });

  test("a factor without spread only scales by its median", () => {
    expect(
      productP90([
        { p50: 1, p90: 1.5, samples: 9 },
        { p50: 2, p90: 2, samples: 9 },
      ]),
    ).toBeCloseTo(3, 12);
  });

  test("two uncertain factors: wider than either, narrower than the product of the P90s", () => {
    const a = { p50: 1, p90: 1.5, samples: 9 };
    const b = { p50: 1, p90: 2, samples: 9 };
    const p90 = productP90([a, b]);
    expect(p90).toBeGreaterThan(2);
    expect(p90).toBeLessThan(3);
    // Log-normal: the logs' spreads add in quadrature.
    expect(Math.log(p90)).toBeCloseTo(Math.hypot(Math.log(1.5), Math.log(2)), 12);
  });
});
