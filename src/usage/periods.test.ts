import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, test } from "vitest";
import { type PeriodUnit, periodOf, resolveZone, systemZone } from "./periods.js";

const HOUR = 3_600_000;

describe("periodOf", () => {
  test.each([
    ["a plain day", "day", "2026-11-24T15:00:00Z", "UTC", "2026-11-24", 24],
    [
      "the day Paris springs forward is 23 hours",
      "day",
      "2026-03-29T12:00:00Z",
      "Europe/Paris",
      "2026-03-29",
      23,
    ],
    ["the day Paris falls back is 25 hours", "day", "2026-10-25T12:00:00Z", "Europe/Paris", "2026-10-25", 25],
    [
      "late evening in New York is still that local day",
      "day",
      "2026-11-25T03:00:00Z",
      "America/New_York",
      "2026-11-24",
      24,
    ],
    ["February 2028", "month", "2028-02-29T23:59:59Z", "UTC", "2028-02", 29 * 24],
    ["a month with a DST change", "month", "2026-10-10T00:00:00Z", "Europe/Paris", "2026-10", 31 * 24 + 1],
  ] as const)("%s", (_name, unit, iso, zone, key, hours) => {
    const period = periodOf(unit, Date.parse(iso), zone);
    expect(period.key).toBe(key);
    expect((period.endMs - period.startMs) / HOUR).toBe(hours);
  });

  test("any sequence of calls gets the period holding each instant, whatever was asked before", () => {
    const zones = [
      "UTC",
      "Europe/Paris",
      "America/New_York",
      "Australia/Lord_Howe",
      "Asia/Kolkata",
      "Pacific/Chatham",
    ];
    const from = Date.UTC(2025, 0, 1);
    const to = Date.UTC(2028, 0, 1);
    const call = fc.record({
      unit: fc.constantFrom<PeriodUnit>("day", "month"),
      zone: fc.constantFrom(...zones),
      // Runs of nearby instants (the same period asked again) and jumps across boundaries.
      ms: fc.oneof(fc.integer({ min: from, max: to }), fc.integer({ min: from, max: from + 3 * 24 * HOUR })),
    });
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 40 }), (calls) => {
        for (const { unit, zone, ms } of calls) {
          const period = periodOf(unit, ms, zone);
          const local = DateTime.fromMillis(ms, { zone });
          expect(period.key).toBe(local.toFormat(unit === "day" ? "yyyy-MM-dd" : "yyyy-MM"));
          expect(period.startMs).toBe(local.startOf(unit).toMillis());
          expect(ms).toBeGreaterThanOrEqual(period.startMs);
          expect(ms).toBeLessThan(period.endMs);
        }
      }),
      { seed: 20261124, numRuns: 300 },
    );
  });
});

describe("resolveZone", () => {
  test("a zone named in any case is given back in its own spelling", () => {
    expect(resolveZone("europe/paris")).toBe("Europe/Paris");
    expect(resolveZone("utc")).toBe("UTC");
    expect(resolveZone("America/New_York")).toBe("America/New_York");
  });

  test("an unknown zone is a usage error naming it", () => {
    expect(() => resolveZone("Mars/Olympus", "--tz")).toThrow('--tz: unknown time zone "Mars/Olympus"');
  });

  test("no name is the system zone; an empty TZ is UTC, not ICU's Etc/Unknown", () => {
    expect(resolveZone(undefined)).toBe(systemZone());
    const saved = process.env.TZ;
    try {
      process.env.TZ = "";
      expect(new Intl.DateTimeFormat().resolvedOptions().timeZone).toBe("Etc/Unknown");
      expect(systemZone()).toBe("UTC");
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});
