import { describe, expect, test } from "vitest";
import type { LimitInfo } from "../detect/limit.js";
import type { CapStatus } from "../usage/caps.js";
import {
  leavesTheTerminal,
  type RunEvent,
  runEventKey,
  runEventText,
  runEventTitle,
  SaidOnce,
  withoutOurName,
} from "./run-events.js";

const caps = {
  cost_limit_per_session: 10,
  cost_limit_per_day: null,
  cost_limit_per_month: null,
  cost_limit_until_reset: null,
};
const context = { now: Date.UTC(2026, 11, 4, 12), caps, zone: "UTC" };
const limit: LimitInfo = {
  window: "five_hour",
  resetsAt: Date.UTC(2026, 11, 4, 15),
  resetAssumed: false,
  source: "stop_failure",
};
const cap = (limitNanoUsd: number, spentNanoUsd: number): CapStatus => ({
  cap: "session",
  configKey: "cost_limit_per_session",
  limitNanoUsd,
  spentNanoUsd,
});

describe("the words of run events", () => {
  test.each<[RunEvent, string]>([
    [
      { kind: "approaching_limit", window: "seven_day", percent: 85.4, resetsAt: null },
      "Subscription weekly usage is at 85%.",
    ],
    [
      { kind: "limit_reached", limit, noKey: false },
      "Subscription 5-hour limit reached; it resets at 15:00.",
    ],
    [
      { kind: "limit_reached", limit: { ...limit, window: "seven_day_opus" }, noKey: true },
      "Subscription weekly Opus limit reached; it resets at 15:00. no API key is configured for API billing: set CLAUDE_FALLBACK_API_KEY, or api_key_command / api_key in the config (claude-fallback config init).",
    ],
    [
      { kind: "switched_to_api", reason: "limit" },
      "Switched to API billing to continue this conversation. API spend is capped at $10.00 per session.",
    ],
    [{ kind: "reverted", reason: "revert" }, "Back on your subscription."],
  ])("%j", (event, text) => {
    expect(runEventText(event, context)).toBe(text);
  });

  test.each<[{ nanoUsd: number; requests: number; unknownCostRequests: number }, string]>([
    // What the API billing cost, when it is over: not only at the run's end, hours later.
    [{ nanoUsd: 420_000_000, requests: 3, unknownCostRequests: 0 }, " This run's API billing so far: $0.42."],
    [{ nanoUsd: 4_000_000, requests: 1, unknownCostRequests: 0 }, " This run's API billing so far: <$0.01."],
    [{ nanoUsd: 0, requests: 1, unknownCostRequests: 1 }, " This run's API billing so far: ?."],
    // A switch to API billing and back without a request cost nothing to say.
    [{ nanoUsd: 0, requests: 0, unknownCostRequests: 0 }, ""],
  ])("reverted after API billing of %j", (runSpend, said) => {
    expect(runEventText({ kind: "reverted", reason: "revert" }, { ...context, runSpend })).toBe(
      `Back on your subscription.${said}`,
    );
  });

  test.each<[RunEvent, string]>([
    [{ kind: "switch_pending", to: "api" }, "Switching to API billing when Claude finishes this turn."],
    [
      { kind: "cap_warning", cap: cap(10e9, 8.5e9) },
      "API spend this run is $8.50 of the per-session cap of $10.00 (cost_limit_per_session).",
    ],
  ])("%j", (event, text) => {
    expect(runEventText(event, context)).toBe(text);
  });

  test("a gateway message written for Claude's screen is said once under our name, not twice", () => {
    const refusal =
      "claude-fallback: the daily API spending cap of $0.03 is reached ($0.03 spent today); nothing was sent to Anthropic.";
    expect(runEventText({ kind: "cap_reached", cap: cap(3e7, 3e7), message: refusal }, context)).toBe(
      "the daily API spending cap of $0.03 is reached ($0.03 spent today); nothing was sent to Anthropic.",
    );
    expect(
      runEventText(
        {
          kind: "error",
          source: "upstream",
          message: "claude-fallback gateway: the API at https://x did not answer (timeout)",
        },
        context,
      ),
    ).toBe("the API at https://x did not answer (timeout)");
    expect(withoutOurName("could not write the usage ledger /d/usage.db: the disk is full")).toBe(
      "could not write the usage ledger /d/usage.db: the disk is full",
    );
  });

  test("titles name the event; a pending switch stays on the terminal", () => {
    expect(runEventTitle("limit_reached")).toBe("claude-fallback: Subscription limit reached");
    expect(runEventTitle("approaching_limit")).toBe("claude-fallback: Approaching the subscription limit");
    expect(runEventTitle("switched_to_api")).toBe("claude-fallback: Switched to API billing");
    expect(leavesTheTerminal({ kind: "switch_pending", to: "api" })).toBe(false);
    expect(leavesTheTerminal({ kind: "cap_warning", cap: cap(1, 1) })).toBe(true);
  });
});

describe("one dedupe", () => {
  test("each event is said once per key; a cap raised for the run is a new key", () => {
    const said = new SaidOnce();
    const first = (event: RunEvent) => said.first(event);
    expect(first({ kind: "limit_reached", limit, noKey: false })).toBe(true);
    expect(first({ kind: "limit_reached", limit: { ...limit, source: "screen" }, noKey: false })).toBe(false);
    expect(
      first({ kind: "limit_reached", limit: { ...limit, resetsAt: limit.resetsAt + 1 }, noKey: false }),
    ).toBe(true);
    expect(first({ kind: "cap_reached", cap: cap(4e7, 5e7), message: "a" })).toBe(true);
    expect(first({ kind: "cap_reached", cap: cap(4e7, 9e7), message: "b" })).toBe(false);
    expect(first({ kind: "cap_reached", cap: cap(8e7, 9e7), message: "c" })).toBe(true);
    expect(first({ kind: "error", source: "unknown_model", model: "m", message: "x" })).toBe(true);
    expect(first({ kind: "error", source: "unknown_model", model: "m", message: "y" })).toBe(false);
  });

  test("switches and the no-key answer to a menu press are said every time", () => {
    const said = new SaidOnce();
    for (const event of [
      { kind: "switched_to_api", reason: "limit" },
      { kind: "reverted", reason: "revert" },
      { kind: "error", source: "no_key", message: "no key" },
    ] as RunEvent[]) {
      expect(runEventKey(event)).toBeNull();
      expect([said.first(event), said.first(event)]).toEqual([true, true]);
    }
  });
});
