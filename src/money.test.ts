import { describe, expect, it, test } from "vitest";
import {
  centsText,
  costText,
  formatCents,
  formatUsd,
  formatUsdNoZeroCents,
  formatUsdShort,
  formatUsdShortBelow,
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
    [0.005, "$0.01"],
    [0.0042, "<$0.01"],
    [0.00424, "<$0.01"],
    [0.000125, "<$0.01"],
    [0.009999, "$0.01"],
    [1e-9, "<$0.01"],
    [0.1, "$0.10"],
    [1.005, "$1.01"],
    [2.675, "$2.68"],
    [12.3, "$12.30"],
    [1234.565, "$1,234.57"],
    [1_000_000, "$1,000,000.00"],
    [-0.42, "-$0.42"],
    [-0.0042, "-<$0.01"],
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

// One rule for amounts shown to people: the exit line and `status` (formatUsd), `usage`'s tables
// (formatCents) and the status line (formatUsdShort) showed a half cent as $0.004, <$0.01 and $0.00.
describe("one rule for people: to the cent, half up, <$0.01 under half a cent", () => {
  test.each([
    [0, "$0.00"],
    [1, "<$0.01"],
    [4_000_000, "<$0.01"],
    [4_999_999, "<$0.01"],
    [5_000_000, "$0.01"],
    [9_996_000_000, "$10.00"],
  ])("%i n$ is %s everywhere", (nano, text) => {
    expect(formatCents(nano)).toBe(text);
    expect(formatUsd(nanoToUsd(nano))).toBe(text);
    expect(formatUsdShort(nanoToUsd(nano))).toBe(text);
  });

  test.each([
    [1, "$1"],
    [10, "$10"],
    [2.5, "$2.50"],
    [1.005, "$1.01"],
    [0.004, "<$0.01"],
    [1500, "$1500"],
  ])("the status line's cap %d is %s, as formatUsd rounds it", (usd, text) => {
    expect(formatUsdNoZeroCents(usd)).toBe(text);
  });
});

describe("costText: an unknown cost is never $0", () => {
  test.each([
    [0, 0, 0, "$0.00"],
    [null, 0, 0, "$0.00"],
    [50_000_000, 2, 0, "$0.05"],
    [50_000_000, 2, 1, "$0.05+?"],
    [4_000_000, 2, 1, "<$0.01+?"],
    [0, 1, 1, "?"],
    [null, 3, 3, "?"],
  ])("%s n$ known, %i requests, %i unknown: %s", (known, requests, unknown, text) => {
    expect(costText(known, requests, unknown)).toBe(text);
  });
});

describe("formatUsdShortBelow: a spend below a limit never reads as reaching it", () => {
  test.each([
    [0.004, 10, "<$0.01"],
    [9.994, 10, "$9.99"],
    [9.996, 10, "$9.99"],
    [10, 10, "$10.00"],
    [10.02, 10, "$10.02"],
    [1.0049, 1.005, "$1.00"],
    [0.0049, 0.005, "<$0.01"],
    [0, 0.3, "$0.00"],
    [999.999, 1000, "$999.99"],
    [4999.7, 5000, "$4999"],
    [1234.56, 5000, "$1235"],
    [Number.NaN, 10, "$?"],
  ])("%d below %d: %s", (usd, limit, text) => {
    expect(formatUsdShortBelow(usd, limit)).toBe(text);
  });
});
