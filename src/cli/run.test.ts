import { describe, expect, test } from "vitest";
import { StateSchema } from "../state/store.js";
import { limitStillInForce } from "./run.js";

const NOW = Date.parse("2026-11-24T05:00:00Z");
const HOUR = 3_600_000;

function state(patch: Record<string, unknown>) {
  return StateSchema.parse(patch);
}

describe("limitStillInForce: may a new run start on API billing?", () => {
  test.each([
    ["no limit recorded", {}, false],
    [
      "a limit that resets later",
      { last_limit: { at: NOW - HOUR, resets_at: NOW + HOUR, window: "five_hour", assumed: false } },
      true,
    ],
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
      {
        last_limit: { at: NOW - HOUR, resets_at: NOW + HOUR, window: "five_hour", assumed: false },
        preferred_mode: "subscription",
        preferred_mode_set_at: NOW - 60_000,
      },
      false,
    ],
    [
      "`use subscription` before the limit",
      {
        last_limit: { at: NOW - HOUR, resets_at: NOW + HOUR, window: "five_hour", assumed: false },
        preferred_mode: "subscription",
        preferred_mode_set_at: NOW - 2 * HOUR,
      },
      true,
    ],
  ])("%s → %s", (_name, patch, inForce) => {
    const limit = limitStillInForce(state(patch), NOW);
    expect(limit !== null).toBe(inForce);
    if (limit) expect(limit.resetsAt).toBe(NOW + HOUR);
  });
});
