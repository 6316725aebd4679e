/**
 * Fuzzing the status-line JSON parser (issue #6): Claude Code's status input with every field
 * possibly of the wrong type, or any JSON at all, never throws; what comes out is typed as
 * declared, and the well-formed windows are read exactly. Fixed seeds, bounded runs.
 */
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import { epochMs, parseStatusLineInput } from "./status-input.js";

// The runs are bounded, but the machine is shared with other test runs: generous time per test.
vi.setConfig({ testTimeout: 30_000 });

const anyJson = fc.jsonValue({ maxDepth: 3 });
/** Sometimes the right kind of value, sometimes anything. */
const maybe = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: anyJson });

const wellFormedWindow = fc.record({
  used_percentage: fc.double({ min: 0, max: 100, noNaN: true }),
  resets_at: fc.oneof(
    fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }),
    fc.integer({ min: 1_700_000_000, max: 1_900_000_000 }).map(String),
  ),
});

const statusInput = fc.record(
  {
    session_id: maybe(fc.uuid()),
    transcript_path: maybe(fc.string()),
    cwd: maybe(fc.string()),
    model: maybe(fc.oneof(fc.string(), fc.record({ id: maybe(fc.string()), display_name: fc.string() }))),
    cost: maybe(fc.record({ total_cost_usd: maybe(fc.double()) })),
    rate_limits: maybe(
      fc.dictionary(
        fc.constantFrom("five_hour", "seven_day", "seven_day_opus", "__proto__", "constructor", ""),
        maybe(fc.record({ used_percentage: maybe(fc.double()), resets_at: maybe(fc.double()) })),
        { maxKeys: 4 },
      ),
    ),
    unknown_field: anyJson,
  },
  { requiredKeys: [] },
);

describe("parseStatusLineInput on arbitrary JSON", () => {
  test("any JSON value: no throw; null exactly when it is not an object", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const input = parseStatusLineInput(value);
        expect(input === null).toBe(typeof value !== "object" || value === null || Array.isArray(value));
      }),
      { seed: 6380, numRuns: 1000 },
    );
  });

  test("status-shaped input with wrong types anywhere: fields typed as declared, windows usable", () => {
    fc.assert(
      fc.property(statusInput, (value) => {
        // Through JSON, as it arrives (this also drops what JSON cannot hold, like -0 or NaN).
        const input = parseStatusLineInput(JSON.parse(JSON.stringify(value)));
        if (input === null) throw new Error("an object must parse");
        for (const key of ["sessionId", "transcriptPath", "cwd", "modelId"] as const) {
          if (input[key] !== undefined) expect(typeof input[key]).toBe("string");
        }
        if (input.costUsd !== undefined) expect(Number.isFinite(input.costUsd)).toBe(true);
        let previous = Number.POSITIVE_INFINITY;
        for (const window of input.windows) {
          expect(Number.isFinite(window.usedPercentage)).toBe(true);
          expect(window.usedPercentage).toBeLessThanOrEqual(previous);
          previous = window.usedPercentage;
          // (A positive resets_at under half a millisecond rounds to the epoch itself: 0, in the past.)
          if (window.resetsAt !== null)
            expect(Number.isFinite(window.resetsAt) && window.resetsAt >= 0).toBe(true);
        }
      }),
      { seed: 6381, numRuns: 1500 },
    );
  });

  test("well-formed windows are read exactly, among malformed ones", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom("five_hour", "seven_day", "seven_day_opus", "seven_day_sonnet"),
          wellFormedWindow,
          {
            minKeys: 1,
          },
        ),
        fc.dictionary(
          fc.constantFrom("junk_a", "junk_b"),
          fc.oneof(anyJson, fc.record({ used_percentage: fc.string() })),
        ),
        (good, junk) => {
          const input = parseStatusLineInput(
            JSON.parse(JSON.stringify({ rate_limits: { ...junk, ...good } })),
          );
          const read = Object.fromEntries(
            (input?.windows ?? []).filter((w) => w.name in good).map((w) => [w.name, w]),
          );
          for (const [name, window] of Object.entries(good)) {
            expect(read[name]).toEqual({
              name,
              usedPercentage: window.used_percentage,
              resetsAt: Number(window.resets_at) * 1000,
            });
          }
        },
      ),
      { seed: 6382, numRuns: 500 },
    );
  });

  test("epochMs: any value gives null or a finite instant, not before the epoch", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double(),
          fc.integer(),
          fc.string({ unit: "binary", maxLength: 40 }),
          fc.constantFrom(null, true, [], {}, "1e20", " 17e8 "),
        ),
        (value) => {
          const at = epochMs(value);
          if (at !== null) expect(Number.isFinite(at) && at >= 0).toBe(true);
        },
      ),
      { seed: 6383, numRuns: 800 },
    );
  });
});
