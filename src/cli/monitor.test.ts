import { describe, expect, test } from "vitest";
import { UsageError } from "../errors.js";
import { monitorNotification, monitorTarget } from "./monitor.js";

describe("monitor flags", () => {
  test.each([
    [{}, { kind: "all" }],
    [{ all: true }, { kind: "all" }],
    [{ pid: "4242" }, { kind: "pid", pid: 4242 }],
    [
      { session: "0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40" },
      { kind: "session", sessionId: "0b6c4b7e-5f1a-4c8e-9d3b-2a7f1e6c9d40" },
    ],
  ])("%j", (flags, target) => {
    expect(monitorTarget(flags)).toEqual(target);
  });

  test.each([
    [{ pid: "1", all: true }, /only one of/],
    [{ pid: "1", session: "x" }, /only one of/],
    [{ pid: "abc" }, /--pid must be a process id/],
    [{ pid: "0" }, /--pid must be a process id/],
    [{ session: "../etc" }, /--session: "\.\.\/etc" is not a Claude Code session id/],
    [{ session: ".." }, /--session: "\.\." is not a Claude Code session id/],
    [{ session: "nope" }, /--session: "nope" is not a Claude Code session id \(expected a UUID/],
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
  });
});
