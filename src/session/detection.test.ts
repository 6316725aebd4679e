import { describe, expect, test, vi } from "vitest";
import { formatClock } from "../dates.js";
import type { HookEvent } from "../hooks/hook-events.js";
import type { StatusLineInput } from "../hooks/status-input.js";
import { Detector } from "./detection.js";

const NOW = Date.parse("2026-11-24T03:17:20Z");

function stopFailure(text: string): HookEvent {
  return {
    name: "StopFailure",
    raw: { hook_event_name: "StopFailure", error: "rate_limit", last_assistant_message: text },
  } as unknown as HookEvent;
}

function statusLine(resetsAtSeconds: number, percent = 100): StatusLineInput {
  return {
    windows: [],
    raw: { rate_limits: { five_hour: { used_percentage: percent, resets_at: resetsAtSeconds } } },
  } as StatusLineInput;
}

describe("Detector: the reset instant a limit gets", () => {
  test("a printed reset is due by the end of its minute, and is still that minute on the clock", () => {
    const detector = new Detector({ zone: "UTC", now: () => NOW });
    const limit = detector.fromStopFailure(stopFailure("You've hit your 5-hour limit · resets 5am (UTC)"));
    expect(limit).toMatchObject({ window: "five_hour", source: "stop_failure", resetAssumed: false });
    expect(limit?.resetsAt).toBe(Date.parse("2026-11-24T05:00:59.999Z"));
    expect(formatClock(limit!.resetsAt, "UTC")).toBe("05:00");
  });

  test("the status line's exact instant wins over the printed minute", () => {
    const detector = new Detector({ zone: "UTC", now: () => NOW });
    const exact = Date.parse("2026-11-24T04:59:41Z");
    detector.fromStatusLine(statusLine(exact / 1000), 80);
    const limit = detector.fromStopFailure(stopFailure("You've hit your 5-hour limit · resets 5am (UTC)"));
    expect(limit?.resetsAt).toBe(exact);
  });

  test("a fresh refusal whose printed minute looks past is still in force for at least a minute", () => {
    const detector = new Detector({ zone: "UTC", now: () => NOW });
    const limit = detector.fromStopFailure(stopFailure("You've hit your 5-hour limit · resets 3:16am (UTC)"));
    expect(limit?.resetsAt).toBeGreaterThanOrEqual(NOW + 60_000);
  });

  test("a notice redrawn on the screen within its printed minute, after that minute began, still counts", () => {
    let now = NOW;
    const detector = new Detector({ zone: "UTC", now: () => now });
    now = Date.parse("2026-11-24T03:17:40Z");
    const limit = detector.scanScreen(
      Buffer.from("\r\n  ⎿  You've hit your 5-hour limit · resets 3:17am (UTC)\r\n"),
    );
    expect(limit?.resetsAt).toBe(Date.parse("2026-11-24T03:17:59.999Z"));
  });

  test("the same notice redrawn is one signal until a new Claude draws a new screen", () => {
    const detector = new Detector({ zone: "UTC", now: () => NOW });
    const line = Buffer.from("\r\n  ⎿  You've hit your 5-hour limit · resets 5am (UTC)\r\n");
    expect(detector.scanScreen(line)).not.toBeNull();
    expect(detector.scanScreen(line)).toBeNull();
    detector.resetScreen();
    expect(detector.scanScreen(line)).not.toBeNull();
  });

  test("a limit drawn on the screen before its reset counts", () => {
    const detector = new Detector({ zone: "UTC", now: () => NOW });
    const limit = detector.scanScreen(
      Buffer.from("\r\n  ⎿  You've hit your 5-hour limit · resets 5am (UTC)\r\n"),
    );
    expect(limit).toMatchObject({ source: "screen", window: "five_hour" });
  });

  test("warnings come from the status line at notify_at_percentage", () => {
    const detector = new Detector({ zone: "UTC", now: () => NOW });
    const findings = detector.fromStatusLine(statusLine(NOW / 1000 + 3600, 85), 80);
    expect(findings?.warnings).toHaveLength(1);
    expect(findings?.warnings[0]?.percent).toBe(85);
    expect(detector.fromStatusLine(statusLine(NOW / 1000 + 3600, 70), 80)?.warnings).toEqual([]);
  });
});

describe("Detector: the time zone", () => {
  test("without one given, the system's is found at first use (after claude starts), not when the detector is made", () => {
    const zoneLookups = vi.spyOn(Intl, "DateTimeFormat");
    try {
      const detector = new Detector({ now: () => NOW });
      detector.resetScreen();
      expect(zoneLookups).not.toHaveBeenCalled();
      detector.scanScreen(Buffer.from("Claude is starting\n"));
      expect(zoneLookups).toHaveBeenCalled();
    } finally {
      zoneLookups.mockRestore();
    }
  });
});
