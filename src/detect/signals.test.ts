import { describe, expect, test } from "vitest";
import { fromStatusLine, fromStopFailure, fromTranscriptRecord, readInstant } from "./signals.js";

const NOW = Date.parse("2026-11-24T03:17:00Z");
const ctx = { now: NOW, zone: "UTC" };
const FIVE_HOURS_LATER = Date.parse("2026-11-24T08:17:00Z");

describe("fromStopFailure", () => {
  const hook = (error: unknown, message?: unknown) => ({
    session_id: "6f1c…",
    transcript_path: "/home/u/.claude/projects/p/6f1c.jsonl",
    cwd: "/work",
    hook_event_name: "StopFailure",
    error,
    ...(message === undefined ? {} : { last_assistant_message: message }),
  });

  test("rate_limit with the limit text: window and reset from the text", () => {
    expect(
      fromStopFailure(hook("rate_limit", "You've hit your 5-hour limit · resets 3:28am (UTC)"), ctx),
    ).toEqual({
      source: "stop_failure",
      kind: "limit",
      window: "five_hour",
      resetsAt: Date.parse("2026-11-24T03:28:00Z"),
      resetAssumed: false,
      text: "You've hit your 5-hour limit · resets 3:28am (UTC)",
      entryId: "hit-your-limit",
    });
  });

  test("a multi-line message: the limit line anywhere in it", () => {
    const message =
      "You've hit your weekly limit · resets Nov 27, 2:28am (UTC)\n/upgrade to increase your usage limit.";
    expect(fromStopFailure(hook("rate_limit", message), ctx)).toMatchObject({
      window: "seven_day",
      resetsAt: Date.parse("2026-11-27T02:28:00Z"),
    });
  });

  test("the local zone applies to a reset printed without one", () => {
    const signal = fromStopFailure(
      hook("rate_limit", "Usage limit reached · set to continue automatically at 3:37am"),
      {
        now: NOW,
        zone: "Asia/Tokyo",
      },
    );
    expect(signal?.resetsAt).toBe(Date.parse("2026-11-24T18:37:00Z"));
  });

  test("rate_limit with unknown text: a limit, reset assumed 5 h after detection", () => {
    expect(fromStopFailure(hook("rate_limit", "No response requested."), ctx)).toEqual({
      source: "stop_failure",
      kind: "limit",
      window: null,
      resetsAt: FIVE_HOURS_LATER,
      resetAssumed: true,
      text: "No response requested.",
    });
    expect(fromStopFailure(hook("rate_limit"), ctx)).toMatchObject({
      resetAssumed: true,
      resetsAt: FIVE_HOURS_LATER,
    });
    expect(fromStopFailure(hook("rate_limit", 42), ctx)?.kind).toBe("limit");
  });

  test("rate_limit with a limit line but an unreadable reset: reset assumed", () => {
    expect(
      fromStopFailure(hook("rate_limit", "You've hit your 5-hour limit · progress saved"), ctx),
    ).toMatchObject({
      window: "five_hour",
      resetsAt: FIVE_HOURS_LATER,
      resetAssumed: true,
    });
  });

  test.each([
    "API Error: Server is temporarily limiting requests (not your usage limit) · this may be a temporary capacity issue.",
    "Server is temporarily limiting requests (not your usage limit)",
    "Opus is experiencing high load, please use /model to switch to Sonnet",
    "API Error: Request rejected (429) · this may be a temporary capacity issue.",
  ])("rate_limit that is a throttle is not a limit: %s", (message) => {
    expect(fromStopFailure(hook("rate_limit", message), ctx)).toBeNull();
  });

  test.each([
    "overloaded",
    "billing_error",
    "authentication_failed",
    "server_error",
    "invalid_request",
    "unknown",
    undefined,
    null,
    429,
  ])("error %j is not a subscription limit, whatever the text", (error) => {
    expect(
      fromStopFailure(hook(error, "You've hit your 5-hour limit · resets 3:28am (UTC)"), ctx),
    ).toBeNull();
  });

  test.each([null, undefined, "rate_limit", 1, [], [{ error: "rate_limit" }]])(
    "garbage input %j",
    (input) => {
      expect(fromStopFailure(input, ctx)).toBeNull();
    },
  );

  test("another event with error rate_limit is not StopFailure", () => {
    expect(fromStopFailure({ ...hook("rate_limit", "x"), hook_event_name: "Stop" }, ctx)).toBeNull();
  });

  test("a long message is cut for the event log", () => {
    expect(fromStopFailure(hook("rate_limit", "x".repeat(5000)), ctx)?.text).toHaveLength(500);
  });
});

describe("fromStatusLine", () => {
  const RESET_5H = 1795000000; // 2026-11-18… any epoch seconds
  const status = (rateLimits: unknown) => ({
    session_id: "s",
    model: { id: "claude-sonnet", display_name: "Sonnet" },
    ...(rateLimits === undefined ? {} : { rate_limits: rateLimits }),
  });

  test("a snapshot of every window; no signal below the threshold", () => {
    const reading = fromStatusLine(
      status({
        seven_day: { used_percentage: 12.5, resets_at: "1795400000" },
        five_hour: { used_percentage: 63, resets_at: RESET_5H },
      }),
      ctx,
      { warnAtPercent: 80 },
    );
    expect(reading).toEqual({
      snapshot: {
        at: NOW,
        windows: [
          { window: "five_hour", percent: 63, resetsAt: RESET_5H * 1000 },
          { window: "seven_day", percent: 12.5, resetsAt: 1795400000 * 1000 },
        ],
      },
      signals: [],
    });
  });

  test("a warning for each window at or above the threshold", () => {
    const reading = fromStatusLine(
      status({
        five_hour: { used_percentage: 80, resets_at: RESET_5H },
        seven_day: { used_percentage: 91.3, resets_at: RESET_5H + 100 },
      }),
      ctx,
      { warnAtPercent: 80 },
    );
    expect(reading?.signals).toEqual([
      {
        source: "status_line",
        kind: "warning",
        window: "five_hour",
        resetsAt: RESET_5H * 1000,
        resetAssumed: false,
        percent: 80,
      },
      {
        source: "status_line",
        kind: "warning",
        window: "seven_day",
        resetsAt: (RESET_5H + 100) * 1000,
        resetAssumed: false,
        percent: 91.3,
      },
    ]);
  });

  test("100 % is limit-level utilisation (the caller decides whether to act on it alone)", () => {
    const reading = fromStatusLine(
      status({ five_hour: { used_percentage: 100, resets_at: RESET_5H } }),
      ctx,
      {
        warnAtPercent: 80,
      },
    );
    expect(reading?.signals).toEqual([
      {
        source: "status_line",
        kind: "limit",
        window: "five_hour",
        resetsAt: RESET_5H * 1000,
        resetAssumed: false,
        percent: 100,
      },
    ]);
  });

  test("a limit without a readable reset assumes 5 hours", () => {
    const reading = fromStatusLine(status({ five_hour: { used_percentage: 100 } }), ctx, {
      warnAtPercent: 80,
    });
    expect(reading?.signals[0]).toMatchObject({
      kind: "limit",
      resetsAt: FIVE_HOURS_LATER,
      resetAssumed: true,
    });
  });

  test("known windows first, then the others by name", () => {
    const reading = fromStatusLine(
      status({
        spend_limit: { used_percentage: 5, resets_at: RESET_5H },
        seven_day_sonnet: { used_percentage: 1, resets_at: RESET_5H },
        extra: { used_percentage: 2, resets_at: RESET_5H },
        seven_day_opus: { used_percentage: 3, resets_at: RESET_5H },
        seven_day: { used_percentage: 4, resets_at: RESET_5H },
        five_hour: { used_percentage: 6, resets_at: RESET_5H },
      }),
      ctx,
      { warnAtPercent: 80 },
    );
    expect(reading?.snapshot.windows.map((window) => window.window)).toEqual([
      "five_hour",
      "seven_day",
      "seven_day_opus",
      "seven_day_sonnet",
      "extra",
      "spend_limit",
    ]);
  });

  test.each([
    [RESET_5H, RESET_5H * 1000],
    [`${RESET_5H}`, RESET_5H * 1000],
    [` ${RESET_5H} `, RESET_5H * 1000],
    [RESET_5H + 0.6, Math.round((RESET_5H + 0.6) * 1000)],
    [RESET_5H * 1000, RESET_5H * 1000],
    ["2026-11-24T09:07:00Z", Date.parse("2026-11-24T09:07:00Z")],
    ["2026-11-24T09:07:00.000+01:00", Date.parse("2026-11-24T08:07:00Z")],
    ["soon", null],
    ["", null],
    [0, null],
    [-5, null],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
    [null, null],
    [undefined, null],
    [{}, null],
    [true, null],
    ["2026-99-99T00:00:00Z", null],
  ])("resets_at %j → %j", (resetsAt, expected) => {
    expect(readInstant(resetsAt)).toBe(expected);
    const reading = fromStatusLine(status({ five_hour: { used_percentage: 10, resets_at: resetsAt } }), ctx, {
      warnAtPercent: 80,
    });
    expect(reading?.snapshot.windows[0]?.resetsAt).toBe(expected);
  });

  test("used_percentage as a numeric string; unreadable ones leave the window out", () => {
    const reading = fromStatusLine(
      status({
        five_hour: { used_percentage: "85.5", resets_at: RESET_5H },
        seven_day: { used_percentage: "lots", resets_at: RESET_5H },
        seven_day_opus: { used_percentage: -1, resets_at: RESET_5H },
        seven_day_sonnet: { resets_at: RESET_5H },
        weird: "85",
        list: [1, 2],
      }),
      ctx,
      { warnAtPercent: 80 },
    );
    expect(reading?.snapshot.windows).toEqual([
      { window: "five_hour", percent: 85.5, resetsAt: RESET_5H * 1000 },
    ]);
    expect(reading?.signals.map((signal) => signal.kind)).toEqual(["warning"]);
  });

  test.each([
    ["no rate_limits (API billing, or before the first response)", status(undefined)],
    ["rate_limits null", status(null)],
    ["rate_limits a string", status("five_hour")],
    ["rate_limits an array", status([{ used_percentage: 90 }])],
    ["rate_limits empty", status({})],
    ["only garbage windows", status({ five_hour: null, seven_day: { used_percentage: null } })],
    ["not an object", "rate_limits"],
    ["null", null],
  ])("%s → null", (_, input) => {
    expect(fromStatusLine(input, ctx, { warnAtPercent: 80 })).toBeNull();
  });
});

describe("fromTranscriptRecord", () => {
  const limitRecord = {
    parentUuid: "a",
    isSidechain: false,
    type: "assistant",
    uuid: "b",
    timestamp: "2026-11-24T03:17:00.000Z",
    isApiErrorMessage: true,
    error: "rate_limit",
    apiErrorStatus: 429,
    apiError: "usage_limit_reached",
    message: {
      id: "c",
      model: "<synthetic>",
      role: "assistant",
      type: "message",
      content: [{ type: "text", text: "You've hit your 5-hour limit · resets 3:28am (UTC)" }],
    },
  };

  test("Claude Code's own rate_limit record", () => {
    expect(fromTranscriptRecord(limitRecord, ctx)).toEqual({
      source: "transcript",
      kind: "limit",
      window: "five_hour",
      resetsAt: Date.parse("2026-11-24T03:28:00Z"),
      resetAssumed: false,
      text: "You've hit your 5-hour limit · resets 3:28am (UTC)",
      entryId: "hit-your-limit",
    });
  });

  test("the record's timestamp is the message instant (a late read does not move the reset a day)", () => {
    const late = { now: Date.parse("2026-11-24T05:00:00Z"), zone: "UTC" };
    expect(fromTranscriptRecord(limitRecord, late)?.resetsAt).toBe(Date.parse("2026-11-24T03:28:00Z"));
    const written = { ...limitRecord, timestamp: "2026-11-24T03:30:00.000Z" };
    expect(fromTranscriptRecord(written, ctx)?.resetsAt).toBe(Date.parse("2026-11-25T03:28:00Z"));
    const unstamped = { ...limitRecord, timestamp: "yesterday-ish" };
    expect(fromTranscriptRecord(unstamped, late)?.resetsAt).toBe(Date.parse("2026-11-25T03:28:00Z"));
  });

  test("a rate_limit record with a throttle text is not a limit", () => {
    const throttle = {
      ...limitRecord,
      apiError: undefined,
      message: {
        ...limitRecord.message,
        content: [
          { type: "text", text: "API Error: Server is temporarily limiting requests (not your usage limit)" },
        ],
      },
    };
    expect(fromTranscriptRecord(throttle, ctx)).toBeNull();
  });

  test("a rate_limit record with unknown text: a limit with the reset assumed from the record's time", () => {
    const odd = {
      ...limitRecord,
      message: { ...limitRecord.message, content: [{ type: "text", text: "?" }] },
    };
    expect(fromTranscriptRecord(odd, ctx)).toMatchObject({
      kind: "limit",
      resetAssumed: true,
      resetsAt: FIVE_HOURS_LATER,
    });
  });

  test("a synthetic record without the error field counts when its text matches the table", () => {
    const older = {
      type: "assistant",
      timestamp: "2026-11-24T03:17:00.000Z",
      message: { model: "<synthetic>", content: "Claude AI usage limit reached|1749924000" },
    };
    expect(fromTranscriptRecord(older, ctx)).toMatchObject({
      kind: "limit",
      resetsAt: 1749924000 * 1000,
      entryId: "legacy-epoch",
    });
    const warning = {
      ...older,
      message: {
        model: "<synthetic>",
        content: [{ type: "text", text: "You've used 92% of your 5-hour limit · resets 3:50am (UTC)" }],
      },
    };
    expect(fromTranscriptRecord(warning, ctx)).toMatchObject({
      kind: "warning",
      percent: 92,
      window: "five_hour",
    });
  });

  test("an API-error record that is not a limit and has no table text: nothing", () => {
    const overloaded = {
      ...limitRecord,
      error: "overloaded",
      message: {
        ...limitRecord.message,
        content: [{ type: "text", text: "API Error: Repeated 529 Overloaded errors" }],
      },
    };
    expect(fromTranscriptRecord(overloaded, ctx)).toBeNull();
    const other = {
      ...overloaded,
      message: { ...overloaded.message, content: [{ type: "text", text: "Boom" }] },
    };
    expect(fromTranscriptRecord(other, ctx)).toBeNull();
  });

  test("Claude's own message never yields a signal, even when it quotes a limit whole", () => {
    const quoting = {
      type: "assistant",
      timestamp: "2026-11-24T03:17:00.000Z",
      message: {
        model: "claude-sonnet-4-5-20250929",
        role: "assistant",
        content: [
          { type: "text", text: "You've hit your 5-hour limit · resets 3:28am (UTC)" },
          { type: "text", text: "Limit reached · resets 11:30am (Asia/Calcutta)" },
        ],
      },
    };
    expect(fromTranscriptRecord(quoting, ctx)).toBeNull();
    expect(fromTranscriptRecord({ ...quoting, error: "rate_limit" }, ctx)).toBeNull();
    expect(fromTranscriptRecord({ ...quoting, isApiErrorMessage: false }, ctx)).toBeNull();
  });

  test("only assistant records", () => {
    const user = { ...limitRecord, type: "user" };
    expect(fromTranscriptRecord(user, ctx)).toBeNull();
    expect(fromTranscriptRecord({ ...limitRecord, type: "system" }, ctx)).toBeNull();
  });

  test.each([
    null,
    undefined,
    "assistant",
    3,
    [],
    { type: "assistant" },
    { type: "assistant", message: "text" },
  ])("garbage %j", (record) => {
    expect(fromTranscriptRecord(record, ctx)).toBeNull();
  });

  test("content blocks that are not text are ignored", () => {
    const mixed = {
      ...limitRecord,
      message: {
        ...limitRecord.message,
        content: [
          { type: "thinking", thinking: "You've hit your weekly limit · resets Nov 27, 2:28am (UTC)" },
          { type: "text", text: "You've hit your 5-hour limit · resets 3:28am (UTC)" },
          { type: "text", text: 7 },
          null,
        ],
      },
    };
    expect(fromTranscriptRecord(mixed, ctx)?.window).toBe("five_hour");
  });
});
