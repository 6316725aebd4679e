import fc from "fast-check";
import { DateTime, Settings } from "luxon";
import { afterEach, describe, expect, test, vi } from "vitest";
import { type PeriodUnit, periodOf, resolveZone, systemZone } from "./periods.js";

const HOUR = 3_600_000;

const ZONES = [
  "UTC",
  "Europe/Paris",
  "America/New_York",
  "Australia/Lord_Howe",
  "Asia/Kolkata",
  "Pacific/Chatham",
  "America/Santiago",
  "Pacific/Apia",
  // Clocks fall back from 01:00 to midnight: midnight comes twice.
  "America/Havana",
  "Atlantic/Azores",
];

const savedTz = process.env.TZ;
afterEach(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

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
    const from = Date.UTC(2025, 0, 1);
    const to = Date.UTC(2028, 0, 1);
    const call = fc.record({
      unit: fc.constantFrom<PeriodUnit>("day", "month"),
      zone: fc.constantFrom(...ZONES),
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
          expect(period.endMs).toBe(
            local
              .startOf(unit)
              .plus(unit === "day" ? { days: 1 } : { months: 1 })
              .startOf(unit)
              .toMillis(),
          );
          expect(ms).toBeGreaterThanOrEqual(period.startMs);
          expect(ms).toBeLessThan(period.endMs);
        }
      }),
      { seed: 20261124, numRuns: 300 },
    );
  });
});

describe("periodOf in this process's zone (no zone named)", () => {
  test("is the period of the zone TZ names, DST days, a midnight that does not exist and a skipped day included", () => {
    const cases = fc.record({
      unit: fc.constantFrom<PeriodUnit>("day", "month"),
      zone: fc.constantFrom(...ZONES),
      ms: fc.oneof(
        fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }),
        // Samoa skipped 2011-12-30; Santiago's clocks jump at midnight.
        fc.integer({ min: Date.UTC(2011, 11, 28), max: Date.UTC(2012, 0, 2) }),
        fc.integer({ min: Date.UTC(2026, 8, 5), max: Date.UTC(2026, 8, 8) }),
      ),
    });
    fc.assert(
      fc.property(fc.array(cases, { minLength: 1, maxLength: 20 }), (calls) => {
        for (const { unit, zone, ms } of calls) {
          process.env.TZ = zone;
          expect(periodOf(unit, ms, undefined)).toEqual(periodOf(unit, ms, zone));
        }
      }),
      { seed: 20261206, numRuns: 300 },
    );
  });

  test("where midnight comes twice, a month ends at the first: the same whatever the season it is asked in", () => {
    const october = Date.parse("2026-10-31T12:00:00Z");
    const firstMidnight = Date.parse("2026-11-01T04:00:00Z");
    const savedNow = Settings.now;
    try {
      for (const now of [Date.UTC(2026, 6, 1), Date.UTC(2026, 11, 6)]) {
        Settings.now = () => now;
        for (const zone of ["America/Havana", undefined]) {
          process.env.TZ = "America/Havana";
          const period = periodOf("month", october, zone);
          expect(period.endMs).toBe(firstMidnight);
          expect(periodOf("month", firstMidnight, zone).startMs).toBe(firstMidnight);
        }
      }
    } finally {
      Settings.now = savedNow;
    }
  });

  test("the day Samoa skipped: the 29th ends where the 31st begins", () => {
    process.env.TZ = "Pacific/Apia";
    const period = periodOf("day", Date.parse("2011-12-29T12:00:00-10:00"), undefined);
    expect(period.key).toBe("2011-12-29");
    expect(period.endMs).toBe(Date.parse("2011-12-31T00:00:00+14:00"));
  });

  test("asks ICU for nothing: no Intl formatter is made (the first costs ~20 ms of a start)", () => {
    // luxon remembers the system's locale once it has asked for it.
    Settings.resetCaches();
    const formatters = [vi.spyOn(Intl, "DateTimeFormat"), vi.spyOn(Intl, "NumberFormat")];
    try {
      process.env.TZ = "Europe/Paris";
      expect(periodOf("day", Date.parse("2026-03-29T12:00:00Z"), undefined)).toEqual({
        key: "2026-03-29",
        startMs: Date.parse("2026-03-28T23:00:00Z"),
        endMs: Date.parse("2026-03-29T22:00:00Z"),
      });
      expect(periodOf("month", Date.parse("2026-10-31T23:30:00Z"), undefined).key).toBe("2026-11");
      for (const formatter of formatters) expect(formatter).not.toHaveBeenCalled();
    } finally {
      for (const formatter of formatters) formatter.mockRestore();
    }
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
