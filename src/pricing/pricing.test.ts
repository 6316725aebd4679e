import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import { formatUsd, NANO_PER_USD, nanoToUsd } from "../money.js";
import {
  type CostResult,
  createPricing,
  knownCostNanoUsd,
  normalizeModelId,
  PRICE_SOURCES,
  PRICES_CHECKED,
  PriceOverrideError,
  SHIPPED_MODELS,
  type TokenUsage,
  tokenUsageFromApi,
} from "./pricing.js";

const pricing = createPricing();

function usage(partial: Partial<TokenUsage> = {}): TokenUsage {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_5m_input_tokens: 0,
    cache_creation_1h_input_tokens: 0,
    cache_read_input_tokens: 0,
    ...partial,
  };
}

function known(result: CostResult): Extract<CostResult, { known: true }> {
  if (!result.known) throw new Error(`expected a known model, got unknown ${result.model}`);
  return result;
}

/** Every token kind at once: 1k input, 2k output, 3k 5-minute writes, 4k 1-hour writes, 50k reads. */
const ALL_KINDS = usage({
  input_tokens: 1_000,
  output_tokens: 2_000,
  cache_creation_5m_input_tokens: 3_000,
  cache_creation_1h_input_tokens: 4_000,
  cache_read_input_tokens: 50_000,
});

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

describe("shipped table", () => {
  it("records where and when it was checked", () => {
    expect(PRICES_CHECKED).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const url of Object.values(PRICE_SOURCES)) expect(url).toMatch(/^https:\/\//);
    for (const model of SHIPPED_MODELS) {
      expect(model.sources.length, model.id).toBeGreaterThan(0);
      for (const source of model.sources) expect(PRICE_SOURCES).toHaveProperty(source);
    }
  });

  it("has a hand-computed test for every model, and nothing else", () => {
    expect(SHIPPED_MODELS.map((m) => m.id).sort()).toEqual(Object.keys(EXPECTED_ALL_KINDS).sort());
  });

  it("has no id or alias twice, and every id is already in normal form", () => {
    const seen = new Map<string, string>();
    for (const model of SHIPPED_MODELS) {
      for (const id of [model.id, ...model.aliases]) {
        expect(normalizeModelId(id), id).toBe(id);
        expect(seen.get(id), `${id} in ${model.id} and ${seen.get(id)}`).toBeUndefined();
        seen.set(id, model.id);
      }
    }
  });

  it("has only finite, non-negative rates and complete long tiers", () => {
    const rate = (value: unknown) => typeof value === "number" && Number.isFinite(value) && value >= 0;
    for (const { id, price } of SHIPPED_MODELS) {
      for (const key of ["input", "output", "cache_write_5m", "cache_write_1h", "cache_read"] as const) {
        expect(rate(price[key]), `${id}.${key}`).toBe(true);
        if (price.fast) expect(rate(price.fast[key]), `${id}.fast.${key}`).toBe(true);
      }
      const longKeys = [
        "input_long",
        "output_long",
        "cache_write_5m_long",
        "cache_write_1h_long",
        "cache_read_long",
      ];
      const present = longKeys.filter(
        (key) => (price as unknown as Record<string, unknown>)[key] !== undefined,
      );
      expect(present.length === 0 || present.length === longKeys.length, id).toBe(true);
      for (const key of present)
        expect(rate((price as unknown as Record<string, unknown>)[key]), key).toBe(true);
    }
  });

  it("follows the standard cache multipliers except where the price list says otherwise", () => {
    // Cache reads below 0.1 × input are published for the newest models; Haiku 3 has its own rates.
    const readRatio: Record<string, number> = {
      "claude-fable-5-2": 0.025,
      "claude-mythos-5-2": 0.025,
      "claude-fable-5-1": 0.025,
      "claude-mythos-5-1": 0.025,
      "claude-opus-5-5": 0.05,
      "claude-sonnet-5-5": 0.05,
    };
    for (const { id, price } of SHIPPED_MODELS) {
      if (id === "claude-3-haiku-20240307") continue;
      for (const [rates, label] of [
        [price, "standard"],
        ...(price.fast ? [[price.fast, "fast"] as const] : []),
      ] as const) {
        expect(rates.cache_write_5m, `${id} ${label} 5m`).toBeCloseTo(rates.input * 1.25, 10);
        expect(rates.cache_write_1h, `${id} ${label} 1h`).toBeCloseTo(rates.input * 2, 10);
        expect(rates.cache_read, `${id} ${label} read`).toBeCloseTo(rates.input * (readRatio[id] ?? 0.1), 10);
      }
    }
  });
});

describe("cost of one request with every token kind", () => {
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

describe("model ids", () => {
  it.each([
    ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929"],
    ["claude-sonnet-4-5", "claude-sonnet-4-5-20250929"],
    ["claude-sonnet-4-5[1m]", "claude-sonnet-4-5-20250929"],
    ["claude-sonnet-4-5-20250929[1m]", "claude-sonnet-4-5-20250929"],
    ["CLAUDE-Sonnet-4-5 ", "claude-sonnet-4-5-20250929"],
    ["us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5-20250929"],
    ["eu.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5-20251001"],
    ["global.anthropic.claude-opus-4-6-v1", "claude-opus-4-6"],
    ["apac.anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet-20241022"],
    ["anthropic.claude-opus-4-7", "claude-opus-4-7"],
    ["us.anthropic.claude-opus-5-5", "claude-opus-5-5"],
    ["claude-sonnet-4-5@20250929", "claude-sonnet-4-5-20250929"],
    ["claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet-20241022"],
    ["claude-opus-4@20250514", "claude-opus-4-20250514"],
    ["claude-opus-4-6[1m]", "claude-opus-4-6"],
    ["claude-opus-4-0", "claude-opus-4-20250514"],
    ["claude-opus-4-1", "claude-opus-4-1-20250805"],
    ["claude-sonnet-4-0", "claude-sonnet-4-20250514"],
    ["claude-3-7-sonnet-latest", "claude-3-7-sonnet-20250219"],
    ["claude-3-5-haiku-latest", "claude-3-5-haiku-20241022"],
    ["claude-3-5-sonnet-20240620", "claude-3-5-sonnet-20241022"],
    ["claude-3-opus-latest", "claude-3-opus-20240229"],
  ])("%s is priced as %s", (id, canonical) => {
    expect(pricing.lookup(id)?.id).toBe(canonical);
    expect(known(pricing.cost(id, ALL_KINDS)).pricedAs).toBe(canonical);
  });

  it.each([
    "claude-sonnet-4-5-20991231", // unknown snapshot of a known model
    "claude-sonnet-4-7", // unknown version
    "claude-haiku-4", // family-ish
    "claude-sonnet",
    "sonnet",
    "opus",
    "claude-opus-4-5-2025",
    "claude-opus-4-6-fast",
    "claude-sonnet-4-6-thinking",
    "claude-fable",
    "claude-2.1",
    "gpt-4o",
    "anthropic/claude-sonnet-4.5",
    "",
    "   ",
  ])("%j is unknown, never $0", (id) => {
    expect(pricing.find(id)).toBeUndefined();
    expect(pricing.cost(id, ALL_KINDS)).toEqual({ known: false, model: id });
  });

  it("normalises only the forms it knows", () => {
    expect(normalizeModelId(" US.Anthropic.Claude-Opus-4-20250514-V1:0 ")).toBe("claude-opus-4-20250514");
    expect(normalizeModelId("claude-sonnet-4-5[2m]")).toBe("claude-sonnet-4-5[2m]");
    expect(normalizeModelId("claude-sonnet-4-5-v2-extra")).toBe("claude-sonnet-4-5-v2-extra");
  });
});

describe("overrides (config `pricing`)", () => {
  it("replaces only the given fields of a known model, under every spelling", () => {
    const p = createPricing({ "claude-sonnet-4-5": { input: 4, cache_read: 0.5 } });
    const row = p.find("claude-sonnet-4-5-20250929");
    expect(row).toMatchObject({
      input: 4,
      output: 15,
      cache_write_5m: 3.75,
      cache_write_1h: 6,
      cache_read: 0.5,
    });
    expect(row?.input_long).toBe(6);
    expect(p.lookup("us.anthropic.claude-sonnet-4-5-20250929-v1:0")?.origin).toBe("overridden");
    // 1000×4 + 2000×15 + 3000×3.75 + 4000×6 + 50000×0.5
    expect(known(p.cost("claude-sonnet-4-5", ALL_KINDS)).nanoUsd).toBe(94_250_000);
    // other models and other Pricing instances untouched
    expect(known(p.cost("claude-sonnet-4-6", ALL_KINDS)).nanoUsd).toBe(83_250_000);
    expect(known(pricing.cost("claude-sonnet-4-5", ALL_KINDS)).nanoUsd).toBe(83_250_000);
    expect(createPricing().find("claude-sonnet-4-5")?.input).toBe(3);
  });

  it("applies a dated key to the whole model, and overrides long-tier fields", () => {
    const p = createPricing({ "claude-sonnet-4-20250514": { output_long: 30 } });
    expect(p.find("claude-sonnet-4-0")).toMatchObject({ output: 15, input_long: 6, output_long: 30 });
  });

  it("ignores keys given as undefined (zod output of absent optional fields)", () => {
    const p = createPricing({ "claude-opus-4-5": { input: undefined, output: 30 } });
    expect(p.find("claude-opus-4-5")).toMatchObject({ input: 5, output: 30 });
  });

  it("defines a new model with cache rates from the standard multipliers", () => {
    const p = createPricing({ "my-proxy-model": { input: 2, output: 8 } });
    expect(p.find("my-proxy-model")).toEqual({
      input: 2,
      output: 8,
      cache_write_5m: 2.5,
      cache_write_1h: 4,
      cache_read: 0.2,
    });
    expect(p.lookup("MY-PROXY-MODEL")?.origin).toBe("config");
    // 1000×2 + 2000×8 + 3000×2.5 + 4000×4 + 50000×0.2
    expect(known(p.cost("my-proxy-model", ALL_KINDS)).nanoUsd).toBe(51_500_000);
    expect(p.models().at(-1)?.id).toBe("my-proxy-model");
    expect(p.find("my-proxy-model-2")).toBeUndefined();
  });

  it("defines a new model's long tier, cache rates defaulting from input_long", () => {
    const p = createPricing({ "big-model": { input: 1, output: 2, input_long: 2, output_long: 3 } });
    expect(p.find("big-model")).toMatchObject({
      cache_write_5m_long: 2.5,
      cache_write_1h_long: 4,
      cache_read_long: 0.2,
    });
    expect(known(p.cost("big-model", usage({ input_tokens: 200_001 }))).nanoUsd).toBe(400_002_000);
  });

  it.each([
    [{ "new-model": { input: 1 } }, /pricing\."new-model"\.output: required/],
    [{ "new-model": { output: 1 } }, /\.input: required/],
    [{ "new-model": {} }, /\.input: required/],
    [{ "claude-sonnet-4-6": { input: -1 } }, /\.input: -1 is not allowed/],
    [{ "claude-sonnet-4-6": { output: Number.NaN } }, /\.output: NaN is not allowed/],
    [{ "claude-sonnet-4-6": { input: "3" as unknown as number } }, /\.input: "3" is not allowed/],
    [{ "claude-sonnet-4-6": { inputs: 3 } as never }, /\.inputs: unknown price field/],
    [
      { "claude-sonnet-4-6": { cache_read_long: 1 } },
      /\.input_long: required when giving long-context prices/,
    ],
    [{ "claude-sonnet-4-6": { input_long: 1 } }, /\.output_long: required/],
    [{ "claude-sonnet-4-6": null as never }, /expected an object of prices/],
    [{ "claude-sonnet-4-6": { long_context_threshold: 0 } }, /long_context_threshold/],
    [{ "": { input: 1, output: 1 } }, /a model id is required/],
  ])("rejects %j", (overrides, message) => {
    expect(() => createPricing(overrides)).toThrow(UsageError);
    expect(() => createPricing(overrides)).toThrow(message);
  });

  it.each([
    [{ "my-model": { input: 1 } }, ["my-model", "output"]],
    [{ "claude-opus-5-5": { input_long: 1 } }, ["claude-opus-5-5", "output_long"]],
    [{ "[1m]": { input: 1, output: 1 } }, ["[1m]"]],
    [{ m: { input: 1, output: 1, fast: { input: 1 } } as never }, ["m", "fast", "output"]],
  ])("names where %j went wrong as a key path, for the config loader's messages", (overrides, path) => {
    let caught: unknown;
    try {
      createPricing(overrides);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PriceOverrideError);
    expect((caught as PriceOverrideError).path).toEqual(path);
    expect((caught as PriceOverrideError).message).toBe(
      `pricing.${JSON.stringify(path[0])}${path
        .slice(1)
        .map((field) => `.${field}`)
        .join("")}: ${(caught as PriceOverrideError).problem}`,
    );
  });

  it("hands out frozen rows", () => {
    const row = pricing.find("claude-opus-5") as { input: number };
    expect(() => {
      row.input = 0;
    }).toThrow(TypeError);
  });
});

describe("unknown models", () => {
  it("are reported as unknown, never as a $0 cost", () => {
    const result = pricing.cost("claude-sonnet-9", ALL_KINDS);
    expect(result.known).toBe(false);
    expect(result).not.toHaveProperty("usd");
    expect(result).not.toHaveProperty("nanoUsd");
  });
});

describe("knownCostNanoUsd (the rule transcripts are priced by)", () => {
  it.each([
    ["a known model", "claude-sonnet-4-5", pricing.cost("claude-sonnet-4-5", ALL_KINDS)],
    ["no model recorded", null, null],
    ["a model the table does not have", "claude-sonnet-9", null],
  ] as const)("%s", (_name, model, expected) => {
    const cost = knownCostNanoUsd(pricing, model, ALL_KINDS);
    expect(cost).toBe(expected === null ? null : (expected as CostResult & { known: true }).nanoUsd);
    if (expected !== null) expect(cost).toBeGreaterThan(0);
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

describe("tokenUsageFromApi", () => {
  it("reads a Messages API usage object with the cache_creation breakdown", () => {
    expect(
      tokenUsageFromApi({
        input_tokens: 12,
        output_tokens: 345,
        cache_creation_input_tokens: 1_500,
        cache_read_input_tokens: 40_000,
        cache_creation: { ephemeral_5m_input_tokens: 500, ephemeral_1h_input_tokens: 1_000 },
        server_tool_use: { web_search_requests: 2 },
        service_tier: "standard",
        inference_geo: "us",
        speed: "fast",
      }),
    ).toEqual({
      input_tokens: 12,
      output_tokens: 345,
      cache_creation_5m_input_tokens: 500,
      cache_creation_1h_input_tokens: 1_000,
      cache_read_input_tokens: 40_000,
      server_tool_use: { web_search_requests: 2, web_fetch_requests: 0 },
      inference_geo: "us",
      speed: "fast",
    });
  });

  it("bills cache writes without a breakdown as 5-minute writes", () => {
    expect(tokenUsageFromApi({ input_tokens: 1, cache_creation_input_tokens: 900 })).toMatchObject({
      cache_creation_5m_input_tokens: 900,
      cache_creation_1h_input_tokens: 0,
    });
  });

  it("uses the breakdown when the total is missing, and caps the 1-hour part at the total", () => {
    expect(
      tokenUsageFromApi({ cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 4 } }),
    ).toMatchObject({ cache_creation_5m_input_tokens: 3, cache_creation_1h_input_tokens: 4 });
    expect(
      tokenUsageFromApi({ cache_creation_input_tokens: 5, cache_creation: { ephemeral_1h_input_tokens: 9 } }),
    ).toMatchObject({ cache_creation_5m_input_tokens: 0, cache_creation_1h_input_tokens: 5 });
  });

  it("turns junk into zeros", () => {
    expect(tokenUsageFromApi(null)).toEqual(usage());
    expect(tokenUsageFromApi({ input_tokens: -3, output_tokens: "7", cache_read_input_tokens: 1.5 })).toEqual(
      usage(),
    );
  });
});
