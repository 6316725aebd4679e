import { describe, expect, test } from "vitest";
import {
  type CapConfig,
  type CapSpend,
  capConfigKey,
  capCrossedMessage,
  capReachedText,
  capRefusalMessage,
  capsAtWarning,
  capsSpanRuns,
  capsText,
  capWarningMessage,
  raisedLimitUsd,
  reachedCap,
} from "./caps.js";

const N = 1_000_000_000; // nano-dollars per dollar
const caps = (
  session: number | null,
  day: number | null = null,
  month: number | null = null,
  untilReset: number | null = null,
): CapConfig => ({
  cost_limit_per_session: session,
  cost_limit_per_day: day,
  cost_limit_per_month: month,
  cost_limit_until_reset: untilReset,
});
const spent = (session: number, day = session, month = day, untilReset: number | null = null): CapSpend => ({
  session,
  day,
  month,
  untilReset,
});

describe("reachedCap", () => {
  test.each([
    ["under every cap", caps(10, 20, 100), spent(9.99 * N), null],
    ["exactly at the session cap", caps(10, 20, 100), spent(10 * N), "session"],
    ["over the session cap", caps(10, 20, 100), spent(11 * N), "session"],
    ["the day cap, from other runs' spend", caps(10, 20, 100), spent(1 * N, 20 * N), "day"],
    ["the month cap", caps(10, 20, 100), spent(1 * N, 2 * N, 100 * N), "month"],
    ["session before day when both are reached", caps(1, 1), spent(2 * N), "session"],
    ["a $0 cap with nothing spent", caps(0), spent(0), "session"],
    ["a $0 day cap", caps(null, 0), spent(0), "day"],
    ["no caps at all", caps(null, null, null), spent(1e6 * N), null],
    ["a cent under a cent cap", caps(0.01), spent(0.009 * N), null],
  ])("%s", (_name, config, spend, expected) => {
    expect(reachedCap(config, spend)?.cap ?? null).toBe(expected);
  });

  test("reports the limit, the spend and the config key", () => {
    expect(reachedCap(caps(null, 5), spent(0, 6 * N))).toEqual({
      cap: "day",
      configKey: "cost_limit_per_day",
      limitNanoUsd: 5 * N,
      spentNanoUsd: 6 * N,
    });
  });
});

describe("capsAtWarning", () => {
  test.each([
    ["under 80 %", caps(10), spent(7.99 * N), []],
    ["at 80 %", caps(10), spent(8 * N), ["session"]],
    ["between 80 and 100 %", caps(10), spent(9.5 * N), ["session"]],
    ["at 100 % (still listed; the server tells reached from warned)", caps(10), spent(10 * N), ["session"]],
    ["several caps", caps(10, 10, 1000), spent(8 * N, 9 * N, 9 * N), ["session", "day"]],
    ["a $0 cap is reached, not warned", caps(0), spent(0), []],
    ["no caps", caps(null), spent(1e6 * N), []],
  ])("%s", (_name, config, spend, expected) => {
    expect(capsAtWarning(config, spend).map((s) => s.cap)).toEqual(expected);
  });
});

describe("messages", () => {
  test.each([
    [
      "session",
      caps(10),
      spent(10.5 * N),
      "per-session",
      "cost_limit_per_session",
      "$10.00",
      "$10.50",
      "this run",
    ],
    ["day", caps(null, 25), spent(0, 25 * N), "daily", "cost_limit_per_day", "$25.00", "$25.00", "today"],
    [
      "month",
      caps(null, null, 1234.5),
      spent(0, 0, 1300 * N),
      "monthly",
      "cost_limit_per_month",
      "$1,234.50",
      "$1,300.00",
      "this month",
    ],
  ])(
    "the %s refusal names the cap, its key, the spend, the limit and the way out",
    (_c, config, spend, label, key, limit, amount, when) => {
      const status = reachedCap(config, spend);
      expect(status).not.toBeNull();
      const message = capRefusalMessage(status!);
      expect(message).toContain(`${label} API spending cap of ${limit}`);
      expect(message).toContain(`${amount} spent ${when}`);
      expect(message).toContain(`raise ${key}`);
      expect(message).toContain("nothing was sent to Anthropic");
      expect(message).toContain("claude-fallback use subscription");
      expect(message).not.toContain("\n");
    },
  );

  test("the warning names the spend, the cap and its key", () => {
    const [status] = capsAtWarning(caps(10), spent(8.25 * N));
    expect(capWarningMessage(status!)).toBe(
      "API spend this run is $8.25 of the per-session cap of $10.00 (cost_limit_per_session).",
    );
  });

  test("a $0 cap says $0.00", () => {
    expect(capRefusalMessage(reachedCap(caps(0), spent(0))!)).toContain(
      "cap of $0.00 is reached ($0.00 spent this run)",
    );
  });

  test("capConfigKey", () => {
    expect([capConfigKey("session"), capConfigKey("day"), capConfigKey("month")]).toEqual([
      "cost_limit_per_session",
      "cost_limit_per_day",
      "cost_limit_per_month",
    ]);
  });
});

describe("raisedLimitUsd", () => {
  const status = (limitUsd: number, spentUsd: number) => ({
    cap: "session" as const,
    configKey: "cost_limit_per_session" as const,
    limitNanoUsd: Math.round(limitUsd * 1e9),
    spentNanoUsd: Math.round(spentUsd * 1e9),
  });
  test.each([
    ["just reached: one more step", 10, 10, 10, 20],
    ["crossed by a request: the next step above the spend", 10, 10.02, 10, 20],
    ["already raised once", 20, 20.5, 10, 30],
    ["spend far past the limit: steps until above it", 10, 34.5, 10, 40],
    ["a cap of $0 is never raised", 0, 0.01, 0, null],
  ])("%s", (_name, limit, spent, configured, expected) => {
    expect(raisedLimitUsd(status(limit, spent), configured)).toBe(expected);
  });
});

test("a cap crossed by an answered request says so, not that nothing was sent", () => {
  const message = capCrossedMessage({
    cap: "session",
    configKey: "cost_limit_per_session",
    limitNanoUsd: 50_000_000,
    spentNanoUsd: 60_000_000,
  });
  expect(message).toBe(
    "the per-session API spending cap of $0.05 is reached ($0.06 spent this run): further API requests are refused. To go on, raise cost_limit_per_session (an interactive wrapped session can, for this run, from its menu), or wait for your subscription to reset.",
  );
  expect(message).not.toContain("nothing was sent");
});

test("a refusal in a run that can raise the cap says how, between the config and waiting", () => {
  const message = capRefusalMessage(
    { cap: "day", configKey: "cost_limit_per_day", limitNanoUsd: 10_000_000, spentNanoUsd: 150_000_000 },
    "in this session, press ctrl-] then r to raise it for this run",
  );
  expect(message).toBe(
    "claude-fallback: the daily API spending cap of $0.01 is reached ($0.15 spent today); nothing was sent to Anthropic. To go on, raise cost_limit_per_day in your claude-fallback config (read when claude-fallback starts) or, in this session, press ctrl-] then r to raise it for this run, or wait for your subscription to reset and run `claude-fallback use subscription`.",
  );
});

describe("the cap on one limit's fallback (cost_limit_until_reset)", () => {
  test("counts every run's spend since the limit was hit, only while a limit is in force", () => {
    expect(reachedCap(caps(null, null, null, 5), spent(0, 0, 0, 5 * N))).toMatchObject({
      cap: "until_reset",
      configKey: "cost_limit_until_reset",
    });
    expect(reachedCap(caps(null, null, null, 5), spent(0, 0, 0, 4.99 * N))).toBeNull();
    // No limit in force: nothing to cap.
    expect(reachedCap(caps(null, null, null, 5), spent(9 * N, 9 * N, 9 * N, null))).toBeNull();
  });

  test("its words say since when it counts, and that it spans runs", () => {
    const status = reachedCap(caps(null, null, null, 5), spent(0, 0, 0, 6 * N))!;
    expect(capReachedText(status)).toBe(
      "the until-reset API spending cap of $5.00 is reached ($6.00 spent since the subscription's limit was hit)",
    );
    expect(capsSpanRuns(caps(null, null, null, 5))).toBe(true);
    expect(capsText(caps(10, null, null, 5))).toBe(
      "API spend is capped at $10.00 per session, $5.00 until the limit resets.",
    );
  });
});
