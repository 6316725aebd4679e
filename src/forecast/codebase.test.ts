import { describe, expect, test } from "vitest";
import { createPricing } from "../pricing/pricing.js";
import {
  CONTEXT_CEILING_TOKENS,
  codebasePace,
  estimateCodebase,
  FILE_READ_MAX_TOKENS,
  fileTokens,
  REQUESTS_PER_ACTIVE_HOUR,
  SESSION_BASE_TOKENS,
} from "./codebase.js";

const pricing = createPricing();
const SHAPE = { newTokens: 0, outputTokens: 0 };

describe("file tokens", () => {
  test.each([
    ["src/main.ts", 4_000, 1_000],
    ["src/odd.ts", 4_001, 1_001],
    ["package.json", 4_000, 2_000],
    ["data/log.JSONL", 10, 5],
    ["empty.md", 0, 0],
    // Claude Code reads no more than 25,000 tokens of a file at once.
    ["big/generated.js", 10_000_000, FILE_READ_MAX_TOKENS],
  ])("%s, %i bytes → %i tokens", (path, bytes, tokens) => {
    expect(fileTokens({ path, bytes })).toBe(tokens);
  });
});

describe("the codebase estimate", () => {
  test("a small project: the context is Claude Code's own prompt plus 10–40 % of the code", () => {
    const files = [
      { path: "a.ts", bytes: 200_000 },
      { path: "b.ts", bytes: 200_000 },
    ];
    const estimate = estimateCodebase(files, "claude-sonnet-4-5", SHAPE, pricing);
    expect(estimate.tokens).toBe(50_000);
    expect(estimate.bytes).toBe(400_000);
    expect(estimate.contextTokens).toEqual({
      low: SESSION_BASE_TOKENS + 5_000,
      high: SESSION_BASE_TOKENS + 20_000,
    });
    // A cached request reads the context at $0.30/MTok on Sonnet 4.5.
    expect(estimate.perRequestNano).toEqual({ low: 25_000 * 300, high: 40_000 * 300 });
    expect(estimate.perHourNano).toEqual({
      low: 25_000 * 300 * REQUESTS_PER_ACTIVE_HOUR.low,
      high: 40_000 * 300 * REQUESTS_PER_ACTIVE_HOUR.high,
    });
  });

  test("a large project fills the context up to where Claude Code compacts", () => {
    const files = Array.from({ length: 1000 }, (_, i) => ({ path: `f${i}.go`, bytes: 40_000 }));
    const estimate = estimateCodebase(files, "claude-opus-4-5", SHAPE, pricing);
    expect(estimate.tokens).toBe(10_000_000);
    expect(estimate.contextTokens).toEqual({ low: CONTEXT_CEILING_TOKENS, high: CONTEXT_CEILING_TOKENS });
  });

  test("an empty project: Claude Code's own prompt alone", () => {
    const estimate = estimateCodebase([], "claude-sonnet-4-5", SHAPE, pricing);
    expect(estimate.contextTokens).toEqual({ low: SESSION_BASE_TOKENS, high: SESSION_BASE_TOKENS });
  });

  test.each([
    ["no model known", null],
    ["a model without a price", "claude-nova-9"],
  ])("%s: tokens, but no dollars", (_name, model) => {
    const estimate = estimateCodebase([{ path: "a.ts", bytes: 4000 }], model, SHAPE, pricing);
    expect(estimate.tokens).toBe(1000);
    expect(estimate.perRequestNano).toBeNull();
    expect(estimate.perHourNano).toBeNull();
  });

  test("the user's own request rate replaces the assumed one", () => {
    const estimate = estimateCodebase([], "claude-sonnet-4-5", SHAPE, pricing, { low: 10, high: 20 });
    expect(estimate.perHourNano).toEqual({ low: 20_000 * 300 * 10, high: 20_000 * 300 * 20 });
  });

  test("as a pace: the geometric middle of the range, its top as the P90", () => {
    expect(codebasePace({ low: 1, high: 16 })).toEqual({ nanoPerHour: 4, p50: 4, p90: 16 });
  });
});
