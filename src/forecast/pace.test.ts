import { describe, expect, test } from "vitest";
import { BUCKET_MS, buildTimeline, type CostedRequest } from "./activity.js";
import { paceHistory, pacePrior, paceRatios, paceSpread } from "./pace.js";
import { PRIOR_SPREAD } from "./stats.js";

const T0 = Date.parse("2026-11-24T09:00:00Z");

/** One request per 5-minute bucket, back to back, costing `costs[i]` n$. */
function buckets(costs: number[]): CostedRequest[] {
  return costs.map((costNanoUsd, i) => ({ at: T0 + i * BUCKET_MS, costNanoUsd }));
}

const hours = (n: number, perBucket: number) => new Array<number>(n * 12).fill(perBucket);

describe("pace", () => {
  test.each([
    ["steady: the spend per active hour", hours(10, 100), 3, 1200],
    ["no history", [], 3, 0],
    ["zero-cost history: a known zero", hours(2, 0), 3, 0],
  ])("%s", (_name, costs, halfLife, nanoPerHour) => {
    expect(paceHistory(buildTimeline(buckets(costs)), halfLife).nanoPerHour).toBeCloseTo(nanoPerHour, 6);
  });

  test.each([
    // After a change of task, the pace moves to the new one: by half within one half-life of work.
    [1, 1, 0.5],
    [3, 3, 0.5],
    [3, 6, 0.75],
    [3, 12, 0.9375],
  ])("half-life %i h, %i h after a step: %f of the way", (halfLife, hoursAfter, share) => {
    const timeline = buildTimeline(buckets([...hours(200, 100), ...hours(hoursAfter, 300)]));
    const { nanoPerHour } = paceHistory(timeline, halfLife);
    // From 1200 to 3600 n$ per hour.
    expect((nanoPerHour - 1200) / 2400).toBeCloseTo(share, 2);
  });

  test("a night in between does not age the pace: decay is by active time", () => {
    const together = buildTimeline(buckets([...hours(2, 100), ...hours(2, 300)]));
    const apart = buildTimeline([
      ...buckets(hours(2, 100)).map((r) => ({ ...r, at: r.at - 14 * 3_600_000 })),
      ...buckets(hours(2, 300)).map((r) => ({ ...r, at: r.at + 2 * 3_600_000 })),
    ]);
    expect(paceHistory(apart, 3).nanoPerHour).toBeCloseTo(paceHistory(together, 3).nanoPerHour, 6);
  });
});

describe("spread from past forecast errors", () => {
  test("steady history: every past forecast was right", () => {
    const history = paceHistory(buildTimeline(buckets(hours(30, 100))), 3);
    const ratios = paceRatios(history, 12);
    expect(ratios.length).toBe(29); // cuts after hours 1..29, each followed by a whole hour
    for (const ratio of ratios) expect(ratio).toBeCloseTo(1, 9);
    const spread = paceSpread(history, 1);
    expect(spread.p50).toBeCloseTo(1, 9);
    expect(spread.p90).toBeLessThan(1.1); // the prior hardly counts against 29 ratios
  });

  test("alternating cheap and dear hours: the P90 says so", () => {
    const costs = Array.from({ length: 40 }, (_, hour) => hours(1, hour % 2 === 0 ? 50 : 250)).flat();
    const history = paceHistory(buildTimeline(buckets(costs)), 3);
    const spread = paceSpread(history, 1);
    expect(spread.p90).toBeGreaterThan(1.4);
    expect(spread.p50).toBeLessThan(spread.p90);
  });

  test("too little history for ratios: the prior", () => {
    const history = paceHistory(buildTimeline(buckets(hours(1, 100))), 3);
    expect(paceSpread(history, 1)).toEqual({ ...pacePrior(1), samples: 0 });
    expect(pacePrior(1)).toEqual(PRIOR_SPREAD);
  });

  test("a longer stretch than the history holds: shorter stretches stand in", () => {
    const history = paceHistory(buildTimeline(buckets(hours(8, 100))), 3);
    expect(paceRatios(history, 40 * 12)).toEqual([]);
    expect(paceSpread(history, 40).samples).toBeGreaterThan(0);
  });

  test("the prior narrows over longer stretches of work", () => {
    expect(pacePrior(16).p90).toBeCloseTo(1.5, 12);
    expect(pacePrior(0.25).p90).toBe(PRIOR_SPREAD.p90);
  });
});
