import { describe, expect, test } from "vitest";
import { fromPrintResult } from "./print-output.js";

const ctx = { now: Date.parse("2026-11-24T03:17:00Z"), zone: "UTC" };

describe("fromPrintResult: the printed end of a failed `claude -p`", () => {
  test.each([
    ["text: the limit notice", "You've hit your 5-hour limit · resets 3:28am (UTC)\n", "five_hour"],
    ["text: weekly", "You've hit your weekly limit · resets Nov 27, 2:28am (UTC)", "seven_day"],
    [
      "json: an error result with the notice",
      JSON.stringify({
        type: "result",
        is_error: true,
        api_error: "usage_limit_reached",
        result: "You've hit your 5-hour limit · resets 3:28am (UTC)",
      }),
      "five_hour",
    ],
    [
      "stream-json: rate_limit_event then the error result",
      [
        JSON.stringify({ type: "system", subtype: "init" }),
        JSON.stringify({ type: "rate_limit_event", rate_limit_info: { status: "rejected" } }),
        JSON.stringify({
          type: "result",
          is_error: true,
          result: "You've hit your 5-hour limit · resets 3:28am (UTC)",
        }),
      ].join("\n"),
      "five_hour",
    ],
  ])("%s → a limit", (_name, output, window) => {
    const signal = fromPrintResult(output, ctx);
    expect(signal?.kind).toBe("limit");
    expect(signal?.window).toBe(window);
    expect(signal?.resetsAt).toBeGreaterThan(ctx.now);
  });

  test.each([
    ["empty output", ""],
    [
      "an answer that quotes a limit",
      'The error said "You\'ve hit your 5-hour limit · resets 3pm" so I waited.',
    ],
    ["a server throttle", "Server is temporarily limiting requests (not your usage limit)"],
    [
      "json: a successful result quoting the notice",
      JSON.stringify({
        type: "result",
        is_error: false,
        result: "You've hit your 5-hour limit · resets 3:28am (UTC)",
      }),
    ],
    [
      "json: an error that is not a limit",
      JSON.stringify({ type: "result", is_error: true, result: "API Error: Repeated 529 Overloaded errors" }),
    ],
    ["stream-json without a result", JSON.stringify({ type: "system", subtype: "init" })],
  ])("%s → nothing", (_name, output) => {
    expect(fromPrintResult(output, ctx)).toBeNull();
  });
});
