/**
 * Fuzzing the four limit sources of SPEC §5 with bad input (issue #6): any JSON as a StopFailure
 * hook input, a status-line input or a transcript record, any text as `-p` output or a reset time,
 * with wrong types and extreme numbers. Nothing throws, and every signal is usable: a limit always
 * has a reset, and every reset is an instant a clock can show. Fixed seeds, bounded runs.
 */
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import { fromPrintResult } from "./print-output.js";
import { parseResetTime } from "./reset-time.js";
import {
  type DetectContext,
  fromStatusLine,
  fromStopFailure,
  fromTranscriptRecord,
  type LimitSignal,
  readInstant,
} from "./signals.js";

// The runs are bounded, but the machine is shared with other test runs: generous time per test.
vi.setConfig({ testTimeout: 30_000 });

/** The Date range: an instant outside it cannot be formatted or stored as a date. */
const MAX_DATE_MS = 8.64e15;

const ctx: DetectContext = { now: Date.parse("2026-11-24T03:17:00Z"), zone: "America/New_York" };

function expectUsable(signal: LimitSignal | null): void {
  if (signal === null) return;
  expect(["limit", "warning"]).toContain(signal.kind);
  if (signal.kind === "limit") expect(signal.resetsAt).not.toBeNull();
  if (signal.resetsAt !== null) {
    expect(Number.isFinite(signal.resetsAt)).toBe(true);
    expect(Math.abs(signal.resetsAt)).toBeLessThanOrEqual(MAX_DATE_MS);
    expect(Number.isNaN(new Date(signal.resetsAt).getTime())).toBe(false);
  }
  if (signal.text !== undefined) expect(signal.text.length).toBeLessThanOrEqual(512);
}

const anyJson = fc.jsonValue({ maxDepth: 4 });
const extremeNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e20, 8.64e15, 8.64e15 + 1, 1e12, 9.99e11, 1, 0.0001, -1, Number.MAX_VALUE),
);
const instantLike = fc.oneof(
  anyJson,
  extremeNumber,
  extremeNumber.map(String),
  fc.constantFrom(
    "+275760-09-13T00:00:00.000Z",
    "-271821-04-20T00:00:00.000Z",
    "9999-12-31T23:59:59Z",
    "2026-13-45T99:00:00Z",
    "1e20",
    " 1767196800 ",
    "",
  ),
);
const limitText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom(
    "You've hit your 5-hour limit · resets 3:47am (UTC)",
    "You've hit your weekly limit · resets Feb 30, 2am (UTC)",
    "You've hit your limit · resets 13pm (Mars/Olympus)",
    "Limit reached · resets 11:30am (+99:99)",
    "Claude AI usage limit reached|9999999999999",
    "Server is temporarily limiting requests (not your usage limit)",
    `${"x".repeat(2000)}`,
  ),
);

describe("the four sources on arbitrary input", () => {
  test("StopFailure hook input: any JSON, or the right shape with junk", () => {
    const input = fc.oneof(
      anyJson,
      fc.record(
        {
          hook_event_name: fc.oneof(fc.constant("StopFailure"), anyJson),
          error: fc.oneof(fc.constant("rate_limit"), anyJson),
          last_assistant_message: fc.oneof(limitText, anyJson),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(input, (value) => expectUsable(fromStopFailure(value, ctx))),
      { seed: 6410, numRuns: 1500 },
    );
  });

  test("status-line input: windows with wrong types and extreme numbers", () => {
    const window = fc.oneof(
      anyJson,
      fc.record(
        { used_percentage: fc.oneof(extremeNumber, anyJson), resets_at: instantLike },
        { requiredKeys: [] },
      ),
    );
    const input = fc.oneof(
      anyJson,
      fc.record({
        rate_limits: fc.oneof(anyJson, fc.dictionary(fc.string({ maxLength: 12 }), window, { maxKeys: 5 })),
      }),
    );
    fc.assert(
      fc.property(input, fc.integer({ min: 1, max: 100 }), (value, warnAtPercent) => {
        const reading = fromStatusLine(value, ctx, { warnAtPercent });
        if (reading === null) return;
        for (const signal of reading.signals) expectUsable(signal);
        for (const window of reading.snapshot.windows) {
          if (window.resetsAt !== null) expect(Math.abs(window.resetsAt)).toBeLessThanOrEqual(MAX_DATE_MS);
        }
      }),
      { seed: 6411, numRuns: 1500 },
    );
  });

  test("transcript records: any JSON, or Claude Code's own records with junk", () => {
    const record = fc.oneof(
      anyJson,
      fc.record(
        {
          type: fc.oneof(fc.constant("assistant"), anyJson),
          isApiErrorMessage: fc.oneof(fc.constant(true), anyJson),
          error: fc.oneof(fc.constant("rate_limit"), anyJson),
          timestamp: instantLike,
          message: fc.oneof(
            anyJson,
            fc.record({
              model: fc.oneof(fc.constant("<synthetic>"), anyJson),
              content: fc.oneof(
                limitText,
                anyJson,
                fc.array(fc.oneof(anyJson, fc.record({ type: fc.constant("text"), text: limitText }))),
              ),
            }),
          ),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(record, (value) => expectUsable(fromTranscriptRecord(value, ctx))),
      { seed: 6412, numRuns: 2000 },
    );
  });

  test("`-p` output: any text, JSON lines, result objects with junk", () => {
    const output = fc.oneof(
      fc.string({ unit: "binary", maxLength: 300 }),
      limitText,
      fc
        .array(
          fc.oneof(
            anyJson,
            fc.record({
              type: fc.constant("result"),
              is_error: fc.boolean(),
              result: fc.oneof(limitText, anyJson),
            }),
          ),
          { maxLength: 4 },
        )
        .map((values) => values.map((value) => JSON.stringify(value)).join("\n")),
    );
    fc.assert(
      fc.property(output, (text) => expectUsable(fromPrintResult(text, ctx))),
      { seed: 6413, numRuns: 500 },
    );
  });
});

describe("instants and reset times on arbitrary input", () => {
  test("readInstant: null or an instant within the Date range", () => {
    fc.assert(
      fc.property(instantLike, (value) => {
        const at = readInstant(value);
        if (at !== null) expect(Math.abs(at)).toBeLessThanOrEqual(MAX_DATE_MS);
      }),
      { seed: 6414, numRuns: 2000 },
    );
  });

  // Regression (found with seed 6411): `resets_at: 1e20` became an instant no Date can hold; it
  // went into the state file, where `status` would throw "Invalid time value" on it (toISOString).
  test("a resets_at beyond the Date range is no reset", () => {
    expect(readInstant(1e20)).toBeNull();
    expect(readInstant("10000000000000000")).toBeNull();
    expect(readInstant(8.64e15)).toBe(8.64e15);
    const reading = fromStatusLine(
      { rate_limits: { five_hour: { used_percentage: 100, resets_at: 1e20 } } },
      ctx,
      { warnAtPercent: 80 },
    );
    expect(reading?.signals[0]).toMatchObject({ kind: "limit", resetAssumed: true });
  });

  // Regression (found with seed 6412): a record stamped at the very end of the Date range made its
  // assumed reset (5 h later) an instant no Date can hold.
  test("a transcript record stamped at the end of time is read at the detection instant", () => {
    const record = {
      type: "assistant",
      error: "rate_limit",
      timestamp: "+275760-09-13T00:00:00.000Z",
      message: { model: "<synthetic>", content: "?" },
    };
    expect(fromTranscriptRecord(record, ctx)).toMatchObject({ resetsAt: ctx.now + 5 * 3_600_000 });
  });

  test("parseResetTime: any text in any zone, no throw; null or an instant a clock can show", () => {
    const zoneName = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom("UTC", "Asia/Kolkata", "America/New_York", "Etc/GMT+14", "+14:00", "-99", "Z", ""),
    );
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 60 }),
      fc
        .tuple(
          fc.constantFrom("", "Feb 29, ", "Dec 31 at ", "Jan 1, 9999, ", "Sep 15 at "),
          fc.constantFrom("3pm", "12:59am", "0:00", "23:59", "13pm", "99:99", "5 P.M."),
          fc.oneof(
            zoneName.map((z) => ` (${z})`),
            fc.constant(""),
          ),
        )
        .map((parts) => parts.join("")),
    );
    fc.assert(
      fc.property(text, zoneName, fc.integer({ min: 0, max: 4e12 }), (reset, zone, now) => {
        const parsed = parseResetTime(reset, { now, zone });
        if (parsed !== null) expect(Number.isNaN(new Date(parsed.at).getTime())).toBe(false);
      }),
      { seed: 6415, numRuns: 2000 },
    );
  });
});
