import { afterEach, expect, test } from "vitest";
import { RUN_SIGNALS, RunSignals } from "./run-signals.js";

const made: RunSignals[] = [];
afterEach(() => {
  for (const signals of made.splice(0)) signals.close();
});

function listen(): { signals: RunSignals; heard: NodeJS.Signals[] } {
  const heard: NodeJS.Signals[] = [];
  const signals = new RunSignals((signal) => heard.push(signal));
  made.push(signals);
  return { signals, heard };
}

test.each([
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const)("%s is heard once and ends the run with %i", (signal, status) => {
  const { signals, heard } = listen();
  expect(signals.status()).toBeNull();
  process.emit(signal, signal);
  process.emit("SIGTERM", "SIGTERM");
  expect(heard).toEqual([signal]);
  expect(signals.received).toBe(signal);
  expect(signals.status()).toBe(status);
});

test("while held, a signal has a listener (the exit hooks do not end the process); after close, none of ours", () => {
  const before = RUN_SIGNALS.map((signal) => process.listenerCount(signal));
  const { signals } = listen();
  expect(RUN_SIGNALS.map((signal) => process.listenerCount(signal))).toEqual(before.map((n) => n + 1));
  signals.close();
  expect(RUN_SIGNALS.map((signal) => process.listenerCount(signal))).toEqual(before);
});
