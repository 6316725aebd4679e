import { describe, expect, test } from "vitest";
import { StateSchema } from "../state/store.js";
import { limitStillInForce, type StartCode, startingMode } from "./policy.js";
import { startingAfterLimitText, startReasonText } from "./wording.js";

const NOW = Date.parse("2026-11-24T05:00:00Z");
const HOUR = 3_600_000;

function state(patch: Record<string, unknown>) {
  return StateSchema.parse(patch);
}

const IN_FORCE = {
  last_limit: { at: NOW - HOUR, resets_at: NOW + HOUR, window: "five_hour", assumed: false },
};

describe("limitStillInForce: may a new run start on API billing?", () => {
  test.each([
    ["no limit recorded", {}, false],
    ["a limit that resets later", IN_FORCE, true],
    [
      "a limit that has reset",
      { last_limit: { at: NOW - 6 * HOUR, resets_at: NOW - HOUR, window: "five_hour", assumed: false } },
      false,
    ],
    [
      "a limit whose reset was only assumed",
      { last_limit: { at: NOW - HOUR, resets_at: NOW + HOUR, window: null, assumed: true } },
      false,
    ],
    [
      "`use subscription` after the limit",
      { ...IN_FORCE, preferred_mode: "subscription", preferred_mode_set_at: NOW - 60_000 },
      false,
    ],
    [
      "`use subscription` before the limit",
      { ...IN_FORCE, preferred_mode: "subscription", preferred_mode_set_at: NOW - 2 * HOUR },
      true,
    ],
  ])("%s → %s", (_name, patch, inForce) => {
    const limit = limitStillInForce(state(patch), NOW);
    expect(limit !== null).toBe(inForce);
    if (limit) expect(limit.resetsAt).toBe(NOW + HOUR);
  });
});

describe("startingMode: one answer for `run` and `status`", () => {
  test.each<
    [
      string,
      { forceApi?: boolean; hasKey?: boolean; autoSwitch?: boolean },
      Record<string, unknown>,
      "api" | "subscription",
      StartCode,
    ]
  >([
    ["nothing set", {}, {}, "subscription", "default"],
    ["--force-api", { forceApi: true }, {}, "api", "force_api"],
    [
      "--force-api wins over `use subscription`",
      { forceApi: true },
      { preferred_mode: "subscription", preferred_mode_set_at: NOW },
      "api",
      "force_api",
    ],
    [
      "`use api` with a key",
      {},
      { preferred_mode: "api", preferred_mode_set_at: NOW },
      "api",
      "preferred_api",
    ],
    [
      "`use api` without a key",
      { hasKey: false },
      { preferred_mode: "api", preferred_mode_set_at: NOW },
      "subscription",
      "preferred_api_no_key",
    ],
    [
      "`use subscription`",
      {},
      { preferred_mode: "subscription", preferred_mode_set_at: NOW - 2 * HOUR },
      "subscription",
      "preferred_subscription",
    ],
    ["a limit in force, auto_switch on", { autoSwitch: true }, IN_FORCE, "api", "limit_in_force"],
    ["a limit in force, auto_switch off", { autoSwitch: false }, IN_FORCE, "subscription", "default"],
    [
      "a limit in force, auto_switch on, no key",
      { autoSwitch: true, hasKey: false },
      IN_FORCE,
      "subscription",
      "default",
    ],
    [
      "a limit in force after `use subscription` set before it",
      { autoSwitch: true },
      { ...IN_FORCE, preferred_mode: "subscription", preferred_mode_set_at: NOW - 2 * HOUR },
      "api",
      "limit_in_force",
    ],
  ])("%s → %s (%s)", (_name, flags, patch, mode, code) => {
    const start = startingMode({
      forceApi: flags.forceApi ?? false,
      hasKey: flags.hasKey ?? true,
      autoSwitch: flags.autoSwitch ?? false,
      state: state(patch),
      now: NOW,
    });
    expect([start.mode, start.code]).toEqual([mode, code]);
    expect(start.limit !== null).toBe(code === "limit_in_force");
    expect(startReasonText(start, NOW, "UTC").length).toBeGreaterThan(8);
  });

  test("the reason for a limit in force names the window and the reset", () => {
    const start = startingMode({
      forceApi: false,
      hasKey: true,
      autoSwitch: true,
      state: state(IN_FORCE),
      now: NOW,
    });
    expect(startReasonText(start, NOW, "UTC")).toBe(
      "the subscription's 5-hour limit is in force until 06:00 and auto_switch is on",
    );
  });

  test.each([
    ["later today", NOW + 2 * HOUR, "UTC", "until 07:00"],
    ["another day (a weekly limit)", NOW + 3 * 24 * HOUR, "UTC", "until Nov 27 at 05:00"],
    ["tomorrow in the zone shown, today in UTC", NOW + 16 * HOUR, "Asia/Tokyo", "until Nov 25 at 06:00"],
  ])(
    "a limit in force whose reset is %s names its day when it is not today's",
    (_name, resetsAt, zone, until) => {
      const limit = { at: NOW - HOUR, resets_at: resetsAt, window: "seven_day", assumed: false };
      const start = startingMode({
        forceApi: false,
        hasKey: true,
        autoSwitch: true,
        state: state({ last_limit: limit }),
        now: NOW,
      });
      expect(startReasonText(start, NOW, zone)).toBe(
        `the subscription's weekly limit is in force ${until} and auto_switch is on`,
      );
      expect(startingAfterLimitText(start.limit!, NOW, zone)).toBe(
        `claude-fallback: your subscription's limit is in force ${until}; starting on API billing (auto_switch).`,
      );
    },
  );
});
