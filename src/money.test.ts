import { describe, expect, test } from "vitest";
import { centsText, grouped, roundedCents } from "./money.js";
import { formatSpend } from "./statusline/segment.js";
import { formatUsd, nanoToUsd } from "./usage/pricing.js";
import { formatCents } from "./usage/report.js";

describe("money to the cent", () => {
  test.each([
    [0, 0],
    [4_999_999, 0],
    [5_000_000, 1],
    [45_000_000, 5],
    [1_005_000_000, 101],
    [1_234_567_891_000, 123_457],
  ])("%i n$ is %i cents (half up)", (nano, cents) => {
    expect(roundedCents(nano)).toBe(cents);
  });

  test("cents and groups of thousands", () => {
    expect(centsText(123_457)).toBe("$1,234.57");
    expect(centsText(5)).toBe("$0.05");
    expect(grouped(1_234_567)).toBe("1,234,567");
  });

  // Float rounding gave the status line $0.04 for $0.045 and $1.00 for $1.005 while the reports said $0.05 and $1.01.
  test.each([
    [45_000_000, "$0.05"],
    [1_005_000_000, "$1.01"],
    [14_995_000_000, "$15.00"],
  ])("%i n$ reads the same in the reports, the exit line and the status line", (nano, text) => {
    expect(formatCents(nano)).toBe(text);
    expect(formatUsd(nanoToUsd(nano))).toBe(text);
    expect(formatSpend(nanoToUsd(nano))).toBe(text);
  });
});
