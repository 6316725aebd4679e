import { describe, expect, test } from "vitest";
import { epochMs, parseStatusLineInput, rateWindows } from "../hooks/status-input.js";
import { formatSegment, localeIsUtf8, type SegmentState } from "./segment.js";

// 2030-01-01T10:00:00Z, a Tuesday.
const now = Date.UTC(2030, 0, 1, 10, 0);
const at = (hours: number, minutes = 0) => now + (hours * 60 + minutes) * 60_000;
const utf8 = { now, zone: "UTC", unicode: true };

describe("formatSegment", () => {
  test.each<[string, SegmentState, string]>([
    ["subscription with nothing known", { mode: "subscription" }, "SUB"],
    [
      "the highest window and its reset",
      {
        mode: "subscription",
        windows: [
          { name: "five_hour", usedPercentage: 12, resetsAt: at(2) },
          { name: "seven_day", usedPercentage: 63.4, resetsAt: at(5) },
        ],
      },
      "SUB 63% ⟳15:00",
    ],
    [
      "a reset a day or more away carries the weekday",
      {
        mode: "subscription",
        windows: [{ name: "seven_day", usedPercentage: 80, resetsAt: at(24 * 3 + 5) }],
      },
      "SUB 80% ⟳Fri 15:00",
    ],
    [
      "no reset known",
      { mode: "subscription", windows: [{ name: "five_hour", usedPercentage: 5, resetsAt: null }] },
      "SUB 5%",
    ],
    [
      "a window whose reset has passed is left out: it is a new window now",
      { mode: "subscription", windows: [{ name: "five_hour", usedPercentage: 40, resetsAt: at(-1) }] },
      "SUB",
    ],
    [
      "after the reset of the window that was full (a revert), the others are what holds",
      {
        mode: "subscription",
        windows: [
          { name: "five_hour", usedPercentage: 100, resetsAt: at(0, -1) },
          { name: "seven_day", usedPercentage: 25, resetsAt: at(24 * 6) },
        ],
      },
      "SUB 25% ⟳Mon 10:00",
    ],
    [
      "percentages are clamped and rounded",
      { mode: "subscription", windows: [{ name: "five_hour", usedPercentage: 104.6, resetsAt: null }] },
      "SUB 100%",
    ],
    [
      "99.6 % is not shown as 100 %: the limit is not reached",
      { mode: "subscription", windows: [{ name: "five_hour", usedPercentage: 99.6, resetsAt: null }] },
      "SUB 99%",
    ],
    [
      "below 0 is 0",
      { mode: "subscription", windows: [{ name: "five_hour", usedPercentage: -3, resetsAt: null }] },
      "SUB 0%",
    ],
    ["the limit", { mode: "subscription", limit: { resetsAt: at(5) } }, "SUB limit ⟳15:00"],
    ["the limit, reset unknown", { mode: "subscription", limit: { resetsAt: null } }, "SUB limit"],
    ["api with a cap", { mode: "api", spendUsd: 1.2449, capUsd: 10 }, "API $1.24/$10"],
    ["api with a fractional cap", { mode: "api", spendUsd: 0, capUsd: 12.5 }, "API $0.00/$12.50"],
    ["api without a cap", { mode: "api", spendUsd: 1.24, capUsd: null }, "API $1.24"],
    [
      "api with the subscription's return",
      { mode: "api", spendUsd: 1.24, capUsd: 10, subscriptionResetsAt: at(5, 30) },
      "API $1.24/$10 ⟳15:30",
    ],
    ["api at the cap", { mode: "api", spendUsd: 10.02, capUsd: 10 }, "API cap $10.02/$10"],
    [
      "api with another cap reached: that cap, not the session's headroom",
      {
        mode: "api",
        spendUsd: 0.06,
        capUsd: 10,
        subscriptionResetsAt: at(5),
        reachedCap: { label: "daily", spentUsd: 5.01, capUsd: 5 },
      },
      "API daily cap $5.01/$5",
    ],
    ["api, large spend stays short", { mode: "api", spendUsd: 1234.56, capUsd: 5000 }, "API $1235/$5000"],
    // Money spent is never $0.00 (as `usage` shows it), and a spend below the cap never reads as reaching it.
    ["api, under half a cent spent", { mode: "api", spendUsd: 0.004, capUsd: 10 }, "API <$0.01/$10"],
    ["api, under half a cent, no cap", { mode: "api", spendUsd: 0.004, capUsd: null }, "API <$0.01"],
    [
      "api, a fraction of a cent under the cap",
      { mode: "api", spendUsd: 9.996, capUsd: 10 },
      "API $9.99/$10",
    ],
    ["api, exactly the cap", { mode: "api", spendUsd: 10, capUsd: 10 }, "API cap $10.00/$10"],
    ["api, a hair over the cap", { mode: "api", spendUsd: 10.0001, capUsd: 10 }, "API cap $10.00/$10"],
    ["api, a sub-cent cap, below it", { mode: "api", spendUsd: 0.0049, capUsd: 0.005 }, "API <$0.01/$0.01"],
    [
      "api, a cap with half a cent, reached",
      { mode: "api", spendUsd: 1.005, capUsd: 1.005 },
      "API cap $1.01/$1.01",
    ],
    [
      "api, a cap with half a cent, below it",
      { mode: "api", spendUsd: 1.0049, capUsd: 1.005 },
      "API $1.00/$1.01",
    ],
    ["api, a cap reached at 30 cents", { mode: "api", spendUsd: 0.3, capUsd: 0.3 }, "API cap $0.30/$0.30"],
    [
      "api, large spend just under the cap",
      { mode: "api", spendUsd: 4999.7, capUsd: 5000 },
      "API $4999/$5000",
    ],
  ])("%s: %j → %s", (_what, state, expected) => {
    const segment = formatSegment(state, utf8);
    expect(segment).toBe(expected);
    expect(segment.length).toBeLessThanOrEqual(24);
  });

  test("reset times are local to the zone given", () => {
    const state: SegmentState = { mode: "subscription", limit: { resetsAt: at(5) } };
    expect(formatSegment(state, { ...utf8, zone: "Asia/Tokyo" })).toBe("SUB limit ⟳00:00");
    expect(formatSegment(state, { ...utf8, zone: "America/New_York" })).toBe("SUB limit ⟳10:00");
    expect(formatSegment(state, { ...utf8, zone: "Asia/Kolkata" })).toBe("SUB limit ⟳20:30");
    // An unknown zone falls back to the system's (UTC in tests), never throws.
    expect(formatSegment(state, { ...utf8, zone: "Not/AZone" })).toBe("SUB limit ⟳15:00");
  });

  test("ASCII only without a UTF-8 locale", () => {
    const state: SegmentState = {
      mode: "subscription",
      windows: [{ name: "a", usedPercentage: 63, resetsAt: at(5) }],
    };
    const ascii = formatSegment(state, { ...utf8, unicode: false });
    expect(ascii).toBe("SUB 63% @15:00");
    expect(/^[\x20-\x7e]*$/.test(ascii)).toBe(true);
  });

  test.each([
    [{ LANG: "en_US.UTF-8" }, true],
    [{ LANG: "C.utf8" }, true],
    [{ LANG: "C" }, false],
    [{}, false],
    [{ LANG: "en_US.UTF-8", LC_ALL: "C" }, false],
    [{ LANG: "C", LC_CTYPE: "en_US.UTF-8" }, true],
  ])("localeIsUtf8(%j) = %s", (env, expected) => {
    expect(localeIsUtf8(env)).toBe(expected);
  });
});

describe("status-line input", () => {
  test.each([
    [1_900_000_000, 1_900_000_000_000],
    ["1900000000", 1_900_000_000_000],
    [1_900_000_000_123, 1_900_000_000_123],
    ["2030-01-01T15:00:00Z", Date.UTC(2030, 0, 1, 15)],
    [0, null],
    ["", null],
    ["soon", null],
    [null, null],
    [Number.NaN, null],
  ])("epochMs(%j) = %j", (value, expected) => {
    expect(epochMs(value)).toBe(expected);
  });

  test("rate_limits become windows, highest first; odd entries are skipped", () => {
    expect(
      rateWindows({
        five_hour: { used_percentage: 12, resets_at: "1900000000" },
        seven_day: { used_percentage: 63, resets_at: 1_900_500_000 },
        seven_day_opus: { used_percentage: "7" },
        broken: { resets_at: 1 },
        other: "x",
      }),
    ).toEqual([
      { name: "seven_day", usedPercentage: 63, resetsAt: 1_900_500_000_000 },
      { name: "five_hour", usedPercentage: 12, resetsAt: 1_900_000_000_000 },
      { name: "seven_day_opus", usedPercentage: 7, resetsAt: null },
    ]);
    expect(rateWindows(undefined)).toEqual([]);
  });

  test("parses the fields the wrapper uses", () => {
    const raw = {
      session_id: "s",
      transcript_path: "/t.jsonl",
      cwd: "/w",
      model: { id: "claude-opus-4-1", display_name: "Opus" },
      cost: { total_cost_usd: 0.5 },
    };
    expect(parseStatusLineInput(raw)).toEqual({
      sessionId: "s",
      transcriptPath: "/t.jsonl",
      cwd: "/w",
      modelId: "claude-opus-4-1",
      costUsd: 0.5,
      windows: [],
      raw,
    });
    expect(parseStatusLineInput("x")).toBeNull();
    expect(parseStatusLineInput([])).toBeNull();
  });
});
