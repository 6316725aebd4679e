import { DateTime } from "luxon";
import { describe, expect, test } from "vitest";
import type { Segment } from "./rhythm.js";
import {
  activityPrior,
  assumptionFor,
  type CapInput,
  capReachedAt,
  continuousSegments,
  horizonCost,
  NEAR_RESET_HOURS,
} from "./until-reset.js";

const HOUR = 3_600_000;
const NOW = Date.parse("2026-11-24T20:00:00Z");
const USD = 1e9;

describe("the assumption", () => {
  test.each([
    [0.5, "continuous"],
    [NEAR_RESET_HOURS, "continuous"],
    // A reset read from Claude's text, to the minute: a 5-hour window's is up to a minute beyond.
    [NEAR_RESET_HOURS + 0.0045, "continuous"],
    [NEAR_RESET_HOURS + 1 / 60, "continuous"],
    [5.02, "daily_rhythm"],
    [24 * 6, "daily_rhythm"],
  ])("a reset %f hours away: %s", (hours, assumption) => {
    expect(assumptionFor(hours)).toBe(assumption);
  });
});

describe("horizon cost", () => {
  test("expected = pace × active hours; the P90 from the spreads, never below the expectation", () => {
    const cost = horizonCost(3, 2 * USD, [{ p50: 1, p90: 1.5, samples: 10 }]);
    expect(cost).toEqual({ activeHours: 3, expectedNano: 6 * USD, p90Nano: 9 * USD });
    // A spread whose P90 sits below 1 (every past outcome under the forecast) is held at the expectation.
    expect(horizonCost(3, 2 * USD, [{ p50: 0.5, p90: 0.8, samples: 10 }]).p90Nano).toBe(6 * USD);
    expect(horizonCost(0, 2 * USD, [{ p50: 1, p90: 2, samples: 0 }])).toEqual({
      activeHours: 0,
      expectedNano: 0,
      p90Nano: 0,
    });
  });

  test("the activity prior narrows over longer horizons", () => {
    expect(activityPrior(24 * HOUR).p90).toBe(1.5);
    expect(activityPrior(2 * HOUR).p90).toBe(1.5);
    expect(activityPrior(16 * 24 * HOUR).p90).toBeCloseTo(1.25, 12);
  });
});

describe("when a cap is reached", () => {
  const cap = (limit: number, spent: number, period?: CapInput["period"]): CapInput => ({
    name: "cap",
    limitNanoUsd: limit * USD,
    spentNanoUsd: spent * USD,
    period,
  });
  const continuous = continuousSegments(NOW, NOW + 4 * HOUR);
  // Active only 21:00–22:00 UTC each day for three days.
  const evenings: Segment[] = [0, 1, 2].map((day) => ({
    start: NOW + HOUR + day * 24 * HOUR,
    end: NOW + 2 * HOUR + day * 24 * HOUR,
    share: 1,
  }));

  test.each([
    ["$2 left at $4 an hour: in half an hour", cap(10, 8), continuous, 4, NOW + HOUR / 2],
    ["already reached: now", cap(10, 10), continuous, 4, NOW],
    ["over it already: now", cap(10, 12), continuous, 0, NOW],
    ["not before the reset", cap(100, 0), continuous, 4, null],
    ["at $0 an hour: never", cap(10, 0), continuous, 0, null],
    ["exactly at the reset", cap(16, 0), continuous, 4, NOW + 4 * HOUR],
    [
      "a half-active stretch: twice as long",
      cap(10, 8),
      [{ start: NOW, end: NOW + 4 * HOUR, share: 0.5 }],
      4,
      NOW + HOUR,
    ],
    ["in the second evening of work", cap(6, 0), evenings, 4, NOW + 24 * HOUR + HOUR + HOUR / 2],
  ])("%s", (_name, input, segments, usdPerHour, expected) => {
    expect(capReachedAt(input, segments, usdPerHour * USD, NOW, "UTC")).toBe(expected);
  });

  test("a daily cap starts again at local midnight", () => {
    const zone = "Pacific/Auckland";
    const now = DateTime.fromISO("2026-11-24T23:00", { zone }).toMillis();
    const midnight = DateTime.fromISO("2026-11-25T00:00", { zone }).toMillis();
    const allDay = continuousSegments(now, now + 30 * HOUR);
    // $9 of $10 spent today at $2 an hour: half an hour.
    expect(capReachedAt(cap(10, 9, "day"), allDay, 2 * USD, now, zone)).toBe(now + HOUR / 2);
    // $1 of $10 spent today: an hour is left today ($2 more), then a new day from $0: five hours in.
    expect(capReachedAt(cap(10, 1, "day"), allDay, 2 * USD, now, zone)).toBe(midnight + 5 * HOUR);
    // The same with no period: $9 left, 4.5 hours.
    expect(capReachedAt(cap(10, 1), allDay, 2 * USD, now, zone)).toBe(now + 4.5 * HOUR);
    // A monthly cap does not renew at midnight.
    expect(capReachedAt(cap(10, 1, "month"), allDay, 2 * USD, now, zone)).toBe(now + 4.5 * HOUR);
  });
});
