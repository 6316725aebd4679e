import { describe, expect, test } from "vitest";
import { UsageError } from "../errors.js";
import { monitorNotification, monitorTarget } from "./monitor.js";

describe("monitor flags", () => {
  test.each([
    [{}, { kind: "all" }],
    [{ all: true }, { kind: "all" }],
    [{ pid: "4242" }, { kind: "pid", pid: 4242 }],
    [{ session: "0b9c-11ee_x.y" }, { kind: "session", sessionId: "0b9c-11ee_x.y" }],
  ])("%j", (flags, target) => {
    expect(monitorTarget(flags)).toEqual(target);
  });

  test.each([
    [{ pid: "1", all: true }, /only one of/],
    [{ pid: "1", session: "x" }, /only one of/],
    [{ pid: "abc" }, /--pid must be a process id/],
    [{ pid: "0" }, /--pid must be a process id/],
    [{ session: "../etc" }, /--session must be/],
    [{ session: ".." }, /--session must be/],
  ])("%j is a usage error", (flags, message) => {
    expect(() => monitorTarget(flags)).toThrow(UsageError);
    expect(() => monitorTarget(flags)).toThrow(message);
  });
});

test("a limit becomes a limit_reached notification carrying the line", () => {
  const line =
    "limit reached in session s (/p): resets at 04:30 — continue on API billing: claude-fallback resume s --api";
  expect(
    monitorNotification({
      kind: "limit",
      sessionId: "s",
      cwd: "/p",
      signal: { source: "transcript", kind: "limit", window: "five_hour", resetsAt: 1, resetAssumed: false },
      resumeCommand: "claude-fallback resume s --api",
      line,
    }),
  ).toEqual({
    kind: "limit_reached",
    title: "claude-fallback: Subscription limit reached",
    body: line,
    dedupeKey: `monitor:${line}`,
  });
});
