import { describe, expect, test } from "vitest";
import { activeHours, activeHoursBetween, buildTimeline, type CostedRequest } from "./activity.js";

const T0 = Date.parse("2026-11-24T09:00:00Z");
const MIN = 60_000;

/** Requests at these minutes after T0, each costing 1000 n$ unless said. */
function requests(minutes: number[], cost = 1000): CostedRequest[] {
  return minutes.map((minute) => ({ at: T0 + minute * MIN, costNanoUsd: cost }));
}

describe("active buckets", () => {
  test.each([
    ["no requests", [], 0],
    ["one request: one bucket", [0], 1],
    ["requests in the same 5 minutes: one bucket", [0, 1, 4.9], 1],
    ["adjacent buckets", [0, 5], 2],
    ["one empty bucket between: joined (a pause to read)", [0, 10], 3],
    ["two empty buckets between: joined", [0, 15], 4],
    ["three empty buckets between: a break, not joined", [0, 20], 2],
    ["an hour of a request a minute", Array.from({ length: 60 }, (_, i) => i), 12],
  ])("%s → %i active buckets", (_name, minutes, expected) => {
    const timeline = buildTimeline(requests(minutes));
    expect(timeline.buckets).toHaveLength(expected);
    expect(activeHours(timeline)).toBe(expected / 12);
  });

  test("spend stays in the bucket of its request; a joined pause costs nothing", () => {
    const timeline = buildTimeline([
      { at: T0, costNanoUsd: 5 },
      { at: T0 + 2 * MIN, costNanoUsd: 7 },
      { at: T0 + 15 * MIN, costNanoUsd: 11 },
    ]);
    expect(timeline.spend).toEqual([12, 0, 0, 11]);
    expect(timeline.prefix).toEqual([0, 12, 12, 12, 23]);
    expect(timeline.requests).toBe(3);
    expect([timeline.firstAt, timeline.lastAt]).toEqual([T0, T0 + 15 * MIN]);
  });

  test("input order does not matter", () => {
    const forward = buildTimeline(requests([0, 7, 30, 31]));
    const backward = buildTimeline(requests([31, 30, 7, 0]));
    expect(backward).toEqual(forward);
  });
});

describe("ranges", () => {
  // Active buckets: [T0, T0+15min) and [T0+60, T0+65).
  const timeline = buildTimeline([
    { at: T0, costNanoUsd: 1 },
    { at: T0 + 10 * MIN, costNanoUsd: 2 },
    { at: T0 + 60 * MIN, costNanoUsd: 4 },
  ]);

  test.each([
    ["everything", T0 - MIN, T0 + 2 * 60 * MIN, 20 / 60],
    ["a bucket cut in half at the start", T0 + 2.5 * MIN, T0 + 15 * MIN, 12.5 / 60],
    ["a bucket cut at the end", T0, T0 + 61 * MIN, 16 / 60],
    ["only the break", T0 + 15 * MIN, T0 + 60 * MIN, 0],
    ["an empty range", T0, T0, 0],
    ["within one bucket", T0 + MIN, T0 + 2 * MIN, 1 / 60],
  ])("active hours of %s", (_name, from, to, hours) => {
    expect(activeHoursBetween(timeline, from, to)).toBeCloseTo(hours, 12);
  });
});
