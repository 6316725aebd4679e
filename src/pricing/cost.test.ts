import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ALL_KINDS, known, usage } from "../../test/support/pricing.js";
import { formatUsd, NANO_PER_USD, nanoToUsd } from "../money.js";
import { createPricing, SHIPPED_MODELS } from "./pricing.js";
import type { TokenUsage } from "./token-usage.js";

const pricing = createPricing();

// Hand-computed: n$ = Σ tokens × ($/MTok) × 1000, i.e. 1e6·in + 2e6·out + 3e6·c5m + 4e6·c1h + 5e7·read.
const EXPECTED_ALL_KINDS: Record<string, number> = {
  "claude-fable-5-2": 192_000_000, // 8 + 80 + 30 + 64 + 10
  "claude-fable-5-1": 240_000_000, // 10 + 100 + 37.5 + 80 + 12.5
  "claude-fable-5": 277_500_000, // 10 + 100 + 37.5 + 80 + 50
  "claude-mythos-5-2": 192_000_000,
  "claude-mythos-5-1": 240_000_000,
  "claude-mythos-5": 277_500_000,
  "claude-opus-5-5": 101_000_000, // 4 + 40 + 15 + 32 + 10
  "claude-opus-5": 138_750_000, // 5 + 50 + 18.75 + 40 + 25
  "claude-opus-4-8": 138_750_000,
  "claude-opus-4-7": 138_750_000,
  "claude-opus-4-6": 138_750_000,
  "claude-opus-4-5-20251101": 138_750_000,
  "claude-opus-4-1-20250805": 416_250_000, // 15 + 150 + 56.25 + 120 + 75
  "claude-opus-4-20250514": 416_250_000,
  "claude-3-opus-20240229": 416_250_000,
  "claude-sonnet-5-5": 50_500_000, // 2 + 20 + 7.5 + 16 + 5
  "claude-sonnet-5": 55_500_000, // 2 + 20 + 7.5 + 16 + 10
  "claude-sonnet-4-6": 83_250_000, // 3 + 30 + 11.25 + 24 + 15
  "claude-sonnet-4-5-20250929": 83_250_000,
  "claude-sonnet-4-20250514": 83_250_000,
  "claude-3-7-sonnet-20250219": 83_250_000,
  "claude-3-5-sonnet-20241022": 83_250_000,
  "claude-haiku-5-5": 2_775_000, // 0.1 + 1 + 0.375 + 0.8 + 0.5
  "claude-haiku-4-5-20251001": 27_750_000, // 1 + 10 + 3.75 + 8 + 5
  "claude-3-5-haiku-20241022": 22_200_000, // 0.8 + 8 + 3 + 6.4 + 4
  "claude-3-haiku-20240307": 7_150_000, // 0.25 + 2.5 + 0.9 + 2 + 1.5
};

describe("cost of one request with every token kind", () => {
  it("has a hand-computed test for every shipped model, and nothing else", () => {
    expect(SHIPPED_MODELS.map((m) => m.id).sort()).toEqual(Object.keys(EXPECTED_ALL_KINDS).sort());
  });

  it.each(Object.entries(EXPECTED_ALL_KINDS))("%s costs %i n$", (id, expected) => {
    const result = known(pricing.cost(id, ALL_KINDS));
    expect(result.nanoUsd).toBe(expected);
    expect(result.usd).toBe(expected / NANO_PER_USD);
    expect(result.tier).toBe("standard");
    expect(result.longContext).toBe(false);
    expect(result.pricedAs).toBe(id);
    expect(result.promptTokens).toBe(58_000);
    const { breakdown } = result;
    expect(
      breakdown.input +
        breakdown.output +
        breakdown.cache_write_5m +
        breakdown.cache_write_1h +
        breakdown.cache_read +
        breakdown.web_search,
    ).toBe(expected);
  });

  it("gives every alias of a model the same price as its id", () => {
    for (const model of SHIPPED_MODELS) {
      for (const alias of model.aliases) {
        const result = known(pricing.cost(alias, ALL_KINDS));
        expect(result.pricedAs, alias).toBe(model.id);
        expect(result.model).toBe(alias);
        expect(result.nanoUsd, alias).toBe(EXPECTED_ALL_KINDS[model.id]);
      }
    }
  });

  it("splits the cost by category", () => {
    expect(known(pricing.cost("claude-opus-4-5", ALL_KINDS)).breakdown).toEqual({
      input: 5_000_000,
      output: 50_000_000,
      cache_write_5m: 18_750_000,
      cache_write_1h: 40_000_000,
      cache_read: 25_000_000,
      web_search: 0,
    });
  });

  it("costs exactly $0 for an empty usage of a known model", () => {
    const result = known(pricing.cost("claude-sonnet-4-6", usage()));
    expect(result.nanoUsd).toBe(0);
  });
});

describe("long-context tier", () => {
  // Prompt = input + 5m writes + 1h writes + reads.
  const sonnetPrompt = (input: number) =>
    usage({
      input_tokens: input,
      output_tokens: 1_000,
      cache_creation_5m_input_tokens: 20_000,
      cache_creation_1h_input_tokens: 10_000,
      cache_read_input_tokens: 20_000,
    });

  it.each([
    "claude-sonnet-4-5-20250929",
    "claude-sonnet-4-5",
    "claude-sonnet-4-20250514",
    "claude-sonnet-4-0",
  ])("%s: 200,000 prompt tokens is standard, 200,001 is long for every token", (id) => {
    const atLimit = known(pricing.cost(id, sonnetPrompt(150_000)));
    expect(atLimit.promptTokens).toBe(200_000);
    expect(atLimit.tier).toBe("standard");
    expect(atLimit.longContext).toBe(false);
    // 150000×3 + 1000×15 + 20000×3.75 + 10000×6 + 20000×0.3 ($/MTok) = $0.606
    expect(atLimit.nanoUsd).toBe(606_000_000);

    const over = known(pricing.cost(id, sonnetPrompt(150_001)));
    expect(over.promptTokens).toBe(200_001);
    expect(over.tier).toBe("long_context");
    expect(over.longContext).toBe(true);
    expect(over.rates).toEqual({
      input: 6,
      output: 22.5,
      cache_write_5m: 7.5,
      cache_write_1h: 12,
      cache_read: 0.6,
    });
    // 150001×6 + 1000×22.5 + 20000×7.5 + 10000×12 + 20000×0.6
    expect(over.breakdown).toEqual({
      input: 900_006_000,
      output: 22_500_000,
      cache_write_5m: 150_000_000,
      cache_write_1h: 120_000_000,
      cache_read: 12_000_000,
      web_search: 0,
    });
    expect(over.nanoUsd).toBe(1_204_506_000);
  });

  it("counts cache reads and writes towards the threshold", () => {
    const onlyCached = usage({ cache_read_input_tokens: 200_001 });
    expect(known(pricing.cost("claude-sonnet-4-5", onlyCached)).tier).toBe("long_context");
    const onlyWrites = usage({
      cache_creation_1h_input_tokens: 100_001,
      cache_creation_5m_input_tokens: 100_000,
    });
    expect(known(pricing.cost("claude-sonnet-4-5", onlyWrites)).tier).toBe("long_context");
  });

  it("Haiku 5.5 switches band above 100,000 prompt tokens", () => {
    const at = known(
      pricing.cost("claude-haiku-5-5", usage({ input_tokens: 100_000, output_tokens: 1_000 })),
    );
    expect(at.tier).toBe("standard");
    expect(at.nanoUsd).toBe(10_500_000); // 100000×0.1 + 1000×0.5
    const over = known(
      pricing.cost("claude-haiku-5-5", usage({ input_tokens: 100_001, output_tokens: 1_000 })),
    );
    expect(over.tier).toBe("long_context");
    expect(over.nanoUsd).toBe(52_500_500); // 100001×0.5 + 1000×2.5
  });

  it.each([
    "claude-sonnet-4-6",
    "claude-opus-4-6",
    "claude-opus-5-5",
    "claude-sonnet-5-5",
    "claude-fable-5-2",
  ])("%s has no long tier: 900k prompt tokens at standard rates", (id) => {
    const result = known(pricing.cost(id, usage({ input_tokens: 900_000 })));
    expect(result.tier).toBe("standard");
    expect(result.nanoUsd).toBe(900_000 * (pricing.find(id)?.input ?? Number.NaN) * 1000);
  });
});

describe("fast mode, inference geo, server tools", () => {
  it("bills speed: fast at the model's fast rates", () => {
    const result = known(pricing.cost("claude-opus-5-5", { ...ALL_KINDS, speed: "fast" }));
    expect(result.tier).toBe("fast");
    expect(result.nanoUsd).toBe(202_000_000); // 8 + 80 + 30 + 64 + 20
    expect(
      known(pricing.cost("claude-opus-4-6", usage({ output_tokens: 1_000, speed: "fast" }))).nanoUsd,
    ).toBe(150_000_000);
    expect(known(pricing.cost("claude-opus-5", usage({ output_tokens: 1_000, speed: "fast" }))).nanoUsd).toBe(
      50_000_000,
    );
  });

  it("bills speed: fast at standard rates for a model without fast mode", () => {
    const result = known(pricing.cost("claude-sonnet-4-6", { ...ALL_KINDS, speed: "fast" }));
    expect(result.tier).toBe("standard");
    expect(result.nanoUsd).toBe(83_250_000);
    expect(known(pricing.cost("claude-opus-5-5", { ...ALL_KINDS, speed: "standard" })).nanoUsd).toBe(
      101_000_000,
    );
  });

  it("fast mode has one rate over the whole window (beats the long tier)", () => {
    const p = createPricing({
      "acme-model": {
        input: 1,
        output: 2,
        input_long: 10,
        output_long: 20,
        fast: { input: 3, output: 6, cache_write_5m: 3.75, cache_write_1h: 6, cache_read: 0.3 },
      },
    });
    const big = usage({ input_tokens: 300_000 });
    expect(known(p.cost("acme-model", big)).tier).toBe("long_context");
    const fast = known(p.cost("acme-model", { ...big, speed: "fast" }));
    expect(fast.tier).toBe("fast");
    expect(fast.nanoUsd).toBe(900_000_000);
  });

  it("charges 1.1 × every token category for inference_geo us", () => {
    const result = known(pricing.cost("claude-opus-5", { ...ALL_KINDS, inference_geo: "us" }));
    expect(result.geoMultiplier).toBe(1.1);
    expect(result.nanoUsd).toBe(152_625_000); // 138.75e6 × 1.1, exact per category
    expect(known(pricing.cost("claude-opus-5", { ...ALL_KINDS, inference_geo: "global" })).nanoUsd).toBe(
      138_750_000,
    );
    expect(known(pricing.cost("claude-opus-5", { ...ALL_KINDS, inference_geo: null })).nanoUsd).toBe(
      138_750_000,
    );
  });

  it("rounds a half nano-dollar up, once per category", () => {
    // 1 token × $0.125/MTok = 125 n$; × 1.1 = 137.5 n$ → 138.
    const result = known(
      pricing.cost("claude-haiku-5-5", usage({ cache_creation_5m_input_tokens: 1, inference_geo: "us" })),
    );
    expect(result.nanoUsd).toBe(138);
  });

  it("adds $10 per 1,000 web searches, not multiplied by geo; web fetches are free", () => {
    const result = known(
      pricing.cost("claude-sonnet-4-6", {
        ...usage({ input_tokens: 1_000 }),
        server_tool_use: { web_search_requests: 3, web_fetch_requests: 5 },
        inference_geo: "us",
      }),
    );
    expect(result.breakdown.web_search).toBe(30_000_000);
    expect(result.breakdown.input).toBe(3_300_000);
    expect(result.nanoUsd).toBe(33_300_000);
  });

  it("rejects token counts that are not whole numbers ≥ 0", () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => pricing.cost("claude-sonnet-4-6", usage({ input_tokens: bad }))).toThrow(RangeError);
    }
    expect(() =>
      pricing.cost("claude-sonnet-4-6", { ...usage(), server_tool_use: { web_search_requests: -2 } }),
    ).toThrow(/web_search_requests/);
  });
});

describe("money without drift", () => {
  it("sums 10,000 small costs to the exact total", () => {
    // 7 input + 3 output tokens on Haiku 3.5: 7×800 + 3×4000 = 17,600 n$ each.
    const small = usage({ input_tokens: 7, output_tokens: 3 });
    let totalNano = 0;
    let floatUsd = 0;
    for (let i = 0; i < 10_000; i++) {
      const result = known(pricing.cost("claude-3-5-haiku-20241022", small));
      totalNano += result.nanoUsd;
      floatUsd += result.usd;
    }
    expect(totalNano).toBe(176_000_000);
    expect(nanoToUsd(totalNano)).toBe(0.176);
    expect(formatUsd(nanoToUsd(totalNano))).toBe("$0.18");
    // Why the ledger sums integers: the float sum of the same amounts is not exact.
    expect(floatUsd).not.toBe(0.176);
  });

  it("sums mixed requests (incl. geo rounding) to the same total in any order", () => {
    const requests: Array<[string, TokenUsage]> = [];
    for (let i = 0; i < 10_000; i++) {
      requests.push([
        SHIPPED_MODELS[i % SHIPPED_MODELS.length]!.id,
        usage({
          input_tokens: (i * 7919) % 3001,
          output_tokens: (i * 104729) % 997,
          cache_creation_5m_input_tokens: i % 13,
          cache_read_input_tokens: (i * 31) % 5003,
          inference_geo: i % 3 === 0 ? "us" : null,
        }),
      ]);
    }
    const costs = requests.map(([model, u]) => known(pricing.cost(model, u)).nanoUsd);
    const forward = costs.reduce((a, b) => a + b, 0);
    const backward = [...costs].reverse().reduce((a, b) => a + b, 0);
    expect(Number.isSafeInteger(forward)).toBe(true);
    expect(backward).toBe(forward);
    const exact = costs.reduce((a, b) => a + BigInt(b), 0n);
    expect(BigInt(forward)).toBe(exact);
  });

  it("matches an exact rational computation for random usages (property)", () => {
    const models = SHIPPED_MODELS.map((m) => m.id);
    const count = fc.integer({ min: 0, max: 2_000_000 });
    fc.assert(
      fc.property(fc.constantFrom(...models), count, count, count, count, count, (model, i, o, c5, c1, r) => {
        const u = usage({
          input_tokens: i,
          output_tokens: o,
          cache_creation_5m_input_tokens: c5,
          cache_creation_1h_input_tokens: c1,
          cache_read_input_tokens: r,
        });
        const result = known(pricing.cost(model, u));
        // Exact: the published rates have ≤ 3 decimals, so tokens × rate × 1000 is an integer.
        const milli = (x: number) => BigInt(Math.round(x * 1000));
        const rates = result.rates;
        const expected =
          BigInt(i) * milli(rates.input) +
          BigInt(o) * milli(rates.output) +
          BigInt(c5) * milli(rates.cache_write_5m) +
          BigInt(c1) * milli(rates.cache_write_1h) +
          BigInt(r) * milli(rates.cache_read);
        expect(BigInt(result.nanoUsd)).toBe(expected);
        const row = pricing.find(model)!;
        const threshold = row.long_context_threshold ?? 200_000;
        expect(result.longContext).toBe(row.input_long !== undefined && i + c5 + c1 + r > threshold);
      }),
      { numRuns: 500 },
    );
  });
});
