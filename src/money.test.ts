import { describe, expect, it, test } from "vitest";
import {
  centsText,
  formatCents,
  formatUsd,
  formatUsdNoZeroCents,
  formatUsdShort,
  grouped,
  nanoToDecimalUsd,
  nanoToUsd,
  roundedCents,
  usdToNano,
} from "./money.js";

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
    expect(formatUsdShort(nanoToUsd(nano))).toBe(text);
  });
});

describe("formatUsd / usdToNano", () => {
  it.each([
    [0, "$0.00"],
    [0.01, "$0.01"],
    [0.005, "$0.005"],
    [0.0042, "$0.0042"],
    [0.00424, "$0.0042"],
    [0.000125, "$0.00013"],
    [0.009999, "$0.01"],
    [1e-9, "$0.000000001"],
    [0.1, "$0.10"],
    [1.005, "$1.01"],
    [2.675, "$2.68"],
    [12.3, "$12.30"],
    [1234.565, "$1,234.57"],
    [1_000_000, "$1,000,000.00"],
    [-0.42, "-$0.42"],
    [-0.0042, "-$0.0042"],
  ])("%d → %s", (usd, text) => {
    expect(formatUsd(usd)).toBe(text);
  });

  it("converts dollars to nano-dollars", () => {
    expect(usdToNano(10)).toBe(10_000_000_000);
    expect(usdToNano(0.1 + 0.2)).toBe(300_000_000);
    expect(() => usdToNano(Number.NaN)).toThrow(RangeError);
  });
});

describe("the reports' and the status line's forms", () => {
  test("report money formatting", () => {
    expect(formatCents(0)).toBe("$0.00");
    expect(formatCents(1)).toBe("<$0.01");
    expect(formatCents(4_999_999)).toBe("<$0.01");
    expect(formatCents(5_000_000)).toBe("$0.01");
    expect(formatCents(1_234_567_891_000)).toBe("$1,234.57");
    expect(nanoToDecimalUsd(0)).toBe("0");
    expect(nanoToDecimalUsd(1)).toBe("0.000000001");
    expect(nanoToDecimalUsd(1_500_000_000)).toBe("1.5");
    expect(nanoToDecimalUsd(1_234_567_891)).toBe("1.234567891");
  });

  test("status line money", () => {
    expect(formatUsdShort(0.005)).toBe("$0.01");
    expect(formatUsdShort(Number.NaN)).toBe("$?");
    expect(formatUsdNoZeroCents(10)).toBe("$10");
    expect(formatUsdNoZeroCents(2.5)).toBe("$2.50");
  });
});
