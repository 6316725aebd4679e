/**
 * Fuzzing the status-line segment (issue #6): whatever numbers reach it (from Claude Code's
 * status JSON, our state file, or the detector), `formatSegment` gives one short line in one of
 * its documented shapes and never throws. Fixed seeds, bounded runs.
 */
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import { formatSegment, type SegmentOptions, type SegmentState } from "./segment.js";

// The runs are bounded, but the machine is shared with other test runs: generous time per test.
vi.setConfig({ testTimeout: 30_000 });

/** Any number JavaScript has: NaN, ±Infinity, ±0, beyond the Date range, tiny, huge. */
const anyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(8.64e15, 8.64e15 + 1, -8.64e15 - 1, 1e20, Number.MAX_VALUE, Number.MIN_VALUE),
);
const instant = fc.oneof(fc.constant(null), anyNumber, fc.integer({ min: 1.7e12, max: 1.8e12 }));

const window = fc.record({
  name: fc.constantFrom("five_hour", "seven_day", "seven_day_opus", "other"),
  usedPercentage: anyNumber,
  resetsAt: instant,
});

const state: fc.Arbitrary<SegmentState> = fc.oneof(
  fc.record(
    {
      mode: fc.constant("subscription" as const),
      windows: fc.array(window, { maxLength: 4 }),
      limit: fc.option(fc.record({ resetsAt: instant }), { nil: null }),
    },
    { requiredKeys: ["mode"] },
  ),
  fc.record(
    {
      mode: fc.constant("api" as const),
      spendUsd: anyNumber,
      capUsd: fc.option(anyNumber, { nil: null }),
      subscriptionResetsAt: instant,
    },
    { requiredKeys: ["mode", "spendUsd", "capUsd"] },
  ),
);

const options: fc.Arbitrary<SegmentOptions> = fc.record({
  now: fc.integer({ min: 1.7e12, max: 1.8e12 }),
  zone: fc.option(fc.constantFrom("UTC", "Asia/Kolkata", "America/New_York", "Not/AZone", "", "+05:30"), {
    nil: undefined,
  }),
  unicode: fc.boolean(),
});

/** Dollars: `1.24`, `10`, `<$0.01`, `$?` for a spend that is no amount, `1e+21` for absurd ones. */
const USD = String.raw`<?\$(?:\d+(?:\.\d+)?(?:e\+\d+)?|\?)`;
const SHAPE = new RegExp(
  `^(?:SUB|SUB limit|SUB \\d{1,3}%|API ${USD}(?:/${USD})?|API cap ${USD}/${USD})(?: [⟳@](?:\\w{3} )?\\d{2}:\\d{2})?$`,
);

describe("formatSegment on arbitrary states", () => {
  test("never throws; one short line of a documented shape", () => {
    fc.assert(
      fc.property(state, options, (s, o) => {
        const line = formatSegment(s, o);
        expect(line).toMatch(SHAPE);
        expect(line.length).toBeLessThanOrEqual(80);
      }),
      { seed: 6370, numRuns: 3000 },
    );
  });

  // Regression (found with seed 6370): a reset beyond the Date range (`resets_at: 1e20` in the
  // status JSON) made formatToParts throw, so the wrapper's segment and `statusline` printed nothing.
  test("a reset time the clock cannot show leaves the reset out, not the segment", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(8.64e15 + 1, 1e20, Number.MAX_VALUE),
        fc.integer({ min: 0, max: 100 }),
        options,
        (resetsAt, percent, o) => {
          expect(
            formatSegment(
              { mode: "subscription", windows: [{ name: "five_hour", usedPercentage: percent, resetsAt }] },
              o,
            ),
          ).toBe(`SUB ${percent}%`);
          expect(formatSegment({ mode: "subscription", limit: { resetsAt } }, o)).toBe("SUB limit");
          expect(
            formatSegment({ mode: "api", spendUsd: 1, capUsd: 10, subscriptionResetsAt: resetsAt }, o),
          ).toBe("API $1.00/$10");
        },
      ),
      { seed: 6371, numRuns: 50 },
    );
  });
});
