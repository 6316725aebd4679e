import { describe, expect, test } from "vitest";
import { createPricing } from "../pricing/pricing.js";
import type { TokenUsage } from "../pricing/token-usage.js";
import type { RequestEvent } from "./events.js";
import {
  contextAfter,
  DEFAULT_REQUEST_SHAPE,
  nextRequestCost,
  SHAPE_SAMPLE,
  typicalRequestShape,
} from "./next-request.js";

const pricing = createPricing();

function usage(parts: Partial<TokenUsage>): TokenUsage {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_5m_input_tokens: 0,
    cache_creation_1h_input_tokens: 0,
    cache_read_input_tokens: 0,
    ...parts,
  };
}

const NOTHING_NEW = { newTokens: 0, outputTokens: 0 };

describe("the next request on the API key", () => {
  test.each([
    // The check: ~150k tokens on Opus is about $0.94 — 150,000 × $6.25/MTok (5-minute cache write).
    ["150k on Opus 4.5, the cache write alone", "claude-opus-4-5", 150_000, NOTHING_NEW, 0.9375, 0.075],
    ["150k on Opus 4.1 ($18.75/MTok writes)", "claude-opus-4-1", 150_000, NOTHING_NEW, 2.8125, 0.225],
    ["150k on Sonnet 4.5", "claude-sonnet-4-5", 150_000, NOTHING_NEW, 0.5625, 0.045],
    // With the default new part and answer: first, 153k written + 600 out = $0.95625 + $0.015;
    // cached, 150k read + 3k written + 600 out = $0.075 + $0.01875 + $0.015.
    [
      "150k on Opus 4.5 with a typical turn",
      "claude-opus-4-5",
      150_000,
      DEFAULT_REQUEST_SHAPE,
      0.97125,
      0.10875,
    ],
    // Over 200k prompt tokens Sonnet 4.5 bills the long-context rates ($7.50/MTok writes, $0.60 reads).
    ["250k on Sonnet 4.5: long-context rates", "claude-sonnet-4-5", 250_000, NOTHING_NEW, 1.875, 0.15],
  ])("%s", (_name, model, context, shape, firstUsd, cachedUsd) => {
    const next = nextRequestCost(usage({ cache_read_input_tokens: context }), model, shape, pricing);
    expect(next.contextTokens).toBe(context);
    expect(next.firstNano).toBe(Math.round(firstUsd * 1e9));
    expect(next.cachedNano).toBe(Math.round(cachedUsd * 1e9));
  });

  test("the context: the last prompt (uncached, cache reads and writes) plus its answer", () => {
    const last = usage({
      input_tokens: 10,
      cache_read_input_tokens: 100_000,
      cache_creation_5m_input_tokens: 2_000,
      cache_creation_1h_input_tokens: 500,
      output_tokens: 700,
    });
    expect(contextAfter(last)).toBe(103_210);
  });

  test("a model without a price: costs unknown, not $0", () => {
    const next = nextRequestCost(
      usage({ cache_read_input_tokens: 1000 }),
      "claude-nova-9",
      NOTHING_NEW,
      pricing,
    );
    expect(next.firstNano).toBeNull();
    expect(next.cachedNano).toBeNull();
  });
});

describe("the typical request", () => {
  const event = (at: number, u: Partial<TokenUsage> | null): RequestEvent => ({
    at,
    model: "claude-sonnet-4-5",
    costNanoUsd: 1,
    usage: u && usage(u),
    project: null,
    sessionId: null,
  });

  test.each([
    ["no history: the defaults", [], DEFAULT_REQUEST_SHAPE],
    ["no token counts: the defaults", [event(1, null)], DEFAULT_REQUEST_SHAPE],
    [
      "medians of new prompt tokens (uncached + cache writes) and output",
      [
        event(1, { input_tokens: 5, cache_creation_5m_input_tokens: 995, output_tokens: 100 }),
        event(2, { cache_creation_1h_input_tokens: 3000, output_tokens: 900, cache_read_input_tokens: 1e6 }),
        event(3, { cache_creation_5m_input_tokens: 2000, output_tokens: 300 }),
      ],
      { newTokens: 2000, outputTokens: 300 },
    ],
  ])("%s", (_name, events, shape) => {
    expect(typicalRequestShape(events)).toEqual(shape);
  });

  test(`only the ${SHAPE_SAMPLE} most recent requests count`, () => {
    const old = Array.from({ length: 1000 }, (_, i) => event(i, { output_tokens: 5000 }));
    const recent = Array.from({ length: SHAPE_SAMPLE }, (_, i) => event(10_000 + i, { output_tokens: 50 }));
    expect(typicalRequestShape([...recent, ...old]).outputTokens).toBe(50);
  });
});
