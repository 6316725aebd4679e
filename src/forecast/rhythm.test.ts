import { DateTime } from "luxon";
import { describe, expect, test } from "vitest";
import { BUCKET_MS, buildTimeline, type CostedRequest } from "./activity.js";
import {
  activityRatios,
  DEFAULT_ACTIVE_SHARE,
  expectedActiveHours,
  learnRhythm,
  localSlots,
  type Rhythm,
  rhythmCurve,
  rhythmSegments,
  segmentsActiveHours,
} from "./rhythm.js";

const HOUR = 3_600_000;

/** A rhythm active the whole of the given local hours, every day. */
function rhythmOf(activeHours: number[]): Rhythm {
  const shares = Array.from({ length: 48 }, (_, slot) => (activeHours.includes(slot % 24) ? 1 : 0));
  return { shares, split: false, days: 28 };
}

/** Work every `days` day from `fromHour` to `toHour` local time, a request every 5 minutes. */
function workdays(
  zone: string,
  firstDay: string,
  days: number,
  fromHour: number,
  toHour: number,
  weekdaysOnly = true,
) {
  const requests: CostedRequest[] = [];
  const start = DateTime.fromISO(firstDay, { zone });
  for (let d = 0; d < days; d++) {
    const day = start.plus({ days: d });
    if (weekdaysOnly && day.weekday >= 6) continue;
    for (
      let at = day.set({ hour: fromHour }).toMillis();
      at < day.set({ hour: toHour }).toMillis();
      at += BUCKET_MS
    ) {
      requests.push({ at, costNanoUsd: 1000 });
    }
  }
  return requests;
}

describe("local hours across DST changes", () => {
  // A rhythm that works only in the local hour 02:00–03:00.
  test.each([
    // Paris: clocks go forward at 02:00 on 29 March 2026 (no 02:xx that day) and back at 03:00 on 25 October (02:xx twice).
    ["Europe/Paris", "2026-03-28", 24, 2, 1],
    ["Europe/Paris", "2026-03-29", 23, 2, 0],
    ["Europe/Paris", "2026-10-25", 25, 2, 2],
    // New York: forward at 02:00 on 8 March 2026, back at 02:00 on 1 November (01:xx twice).
    ["America/New_York", "2026-03-08", 23, 2, 0],
    ["America/New_York", "2026-11-01", 25, 1, 2],
    ["America/New_York", "2026-11-01", 25, 2, 1],
    // No DST: every day 24 hours.
    ["Asia/Kolkata", "2026-03-29", 24, 2, 1],
  ])("%s, %s: %i hours long, the hour from %i o'clock %i times", (zone, date, length, hour, times) => {
    const oneHour = rhythmOf([hour]);
    const dayStart = DateTime.fromISO(date, { zone }).startOf("day");
    const from = dayStart.toMillis();
    const to = dayStart.plus({ days: 1 }).toMillis();
    expect((to - from) / HOUR).toBe(length);
    const local = localSlots(from, to, zone);
    expect(segmentsActiveHours(rhythmSegments(oneHour, local, from, to))).toBeCloseTo(times, 12);
    expect(expectedActiveHours(rhythmCurve(oneHour, local), from, to)).toBeCloseTo(times, 12);
  });

  test("a zone with a half-hour offset: local hours start at :30 UTC", () => {
    const from = Date.parse("2026-06-01T03:30:00Z"); // 09:00 in Kolkata (+05:30)
    const local = localSlots(from, from + 3 * HOUR, "Asia/Kolkata");
    const nine = rhythmOf([9]);
    expect(segmentsActiveHours(rhythmSegments(nine, local, from, from + 3 * HOUR))).toBeCloseTo(1, 12);
    expect(segmentsActiveHours(rhythmSegments(nine, local, from + HOUR / 2, from + 3 * HOUR))).toBeCloseTo(
      0.5,
      12,
    );
  });
});

describe("learning the rhythm", () => {
  test("weekday mornings across the end of DST: the same local hours before and after", () => {
    const zone = "America/New_York";
    // Monday 19 October to Sunday 8 November 2026: three weeks, the clocks went back on 1 November.
    const timeline = buildTimeline(workdays(zone, "2026-10-19", 21, 9, 12));
    const windowStart = DateTime.fromISO("2026-10-19", { zone }).toMillis();
    const now = DateTime.fromISO("2026-11-09", { zone }).toMillis();
    const local = localSlots(windowStart, now, zone);
    const rhythm = learnRhythm(timeline, local, windowStart, now);
    expect(rhythm.split).toBe(true);
    expect(rhythm.days).toBeCloseTo(21 + 1 / 24, 9); // one 25-hour day
    const weekday = rhythm.shares.slice(0, 24);
    const weekend = rhythm.shares.slice(24);
    expect(weekday.map((share) => Math.round(share * 100) / 100)).toEqual(
      Array.from({ length: 24 }, (_, hour) => (hour >= 9 && hour < 12 ? 1 : 0)),
    );
    expect(weekend).toEqual(new Array(24).fill(0));
    // A coming week: 5 weekdays × 3 hours.
    const week = localSlots(now, now + 7 * 24 * HOUR, zone);
    expect(expectedActiveHours(rhythmCurve(rhythm, week), now, now + 7 * 24 * HOUR)).toBeCloseTo(15, 6);
  });

  test("under two weeks: one rhythm for every day", () => {
    const zone = "Europe/Paris";
    const timeline = buildTimeline(workdays(zone, "2026-06-01", 7, 14, 16));
    const windowStart = DateTime.fromISO("2026-06-01", { zone }).toMillis();
    const now = DateTime.fromISO("2026-06-08", { zone }).toMillis();
    const rhythm = learnRhythm(timeline, localSlots(windowStart, now, zone), windowStart, now);
    expect(rhythm.split).toBe(false);
    expect(rhythm.shares.slice(0, 24)).toEqual(rhythm.shares.slice(24));
    expect(rhythm.shares[14]).toBeCloseTo(5 / 7, 9); // worked 5 days of the 7
    expect(rhythm.shares[3]).toBe(0);
  });

  test("hours of the day not seen yet get the default share", () => {
    const zone = "UTC";
    const windowStart = Date.parse("2026-06-01T00:00:00Z");
    const now = Date.parse("2026-06-01T10:00:00Z");
    const timeline = buildTimeline([{ at: now - HOUR, costNanoUsd: 1 }]);
    const rhythm = learnRhythm(timeline, localSlots(windowStart, now, zone), windowStart, now);
    expect(rhythm.shares[9]).toBeCloseTo(1 / 12, 9);
    expect(rhythm.shares[8]).toBe(0);
    expect(rhythm.shares[10]).toBe(DEFAULT_ACTIVE_SHARE);
    expect(rhythm.shares[23]).toBe(DEFAULT_ACTIVE_SHARE);
  });
});

describe("activity against the rhythm", () => {
  test("stretches that began at work: the ratio of work done to work expected", () => {
    const zone = "UTC";
    // Twelve days (one rhythm for all): 9–12 every day, 20–22 every other day.
    const requests = [
      ...workdays(zone, "2026-06-01", 12, 9, 12, false),
      ...workdays(zone, "2026-06-01", 12, 20, 22, false).filter((r) => new Date(r.at).getUTCDate() % 2 === 0),
    ];
    const timeline = buildTimeline(requests);
    const windowStart = Date.parse("2026-06-01T00:00:00Z");
    const now = Date.parse("2026-06-13T00:00:00Z");
    const local = localSlots(windowStart, now, zone);
    const rhythm = learnRhythm(timeline, local, windowStart, now);
    const { ratios, independent } = activityRatios(
      timeline,
      rhythmCurve(rhythm, local),
      windowStart,
      now,
      24 * HOUR,
    );
    // Expected in any 24 hours: 3 + 2 × ½ = 4 hours. Begun at 9, 10 or 11 o'clock, they hold one
    // evening or none (5 or 3 hours: 1.25, 0.75); begun at 20:00, an evening and a morning (5);
    // begun at 21:00, an hour of evening and a morning (4: 1).
    const seen = new Set(ratios.map((ratio) => ratio.toFixed(6)));
    expect([...seen].sort()).toEqual(["0.750000", "1.000000", "1.250000"]);
    expect(ratios.length).toBe(11 * 3 + 5 * 2); // 11 whole days ahead of a start; 5 evenings among them
    // Starts from 1 June 09:00 to 11 June 11:00 (the last that ends by now): 10 days 2 hours apart.
    expect(independent).toBeCloseTo(1 + 10 + 2 / 24, 9);
  });
});
