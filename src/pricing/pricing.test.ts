import { describe, expect, it } from "vitest";
import { ALL_KINDS, known, usage } from "../../test/support/pricing.js";
import { UsageError } from "../errors.js";
import {
  createPricing,
  knownCostNanoUsd,
  normalizeModelId,
  PRICE_SOURCES,
  PRICES_CHECKED,
  PriceOverrideError,
  SHIPPED_MODELS,
} from "./pricing.js";

const pricing = createPricing();

describe("shipped table", () => {
  it("records where and when it was checked", () => {
    expect(PRICES_CHECKED).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const url of Object.values(PRICE_SOURCES)) expect(url).toMatch(/^https:\/\//);
    for (const model of SHIPPED_MODELS) {
      expect(model.sources.length, model.id).toBeGreaterThan(0);
      for (const source of model.sources) expect(PRICE_SOURCES).toHaveProperty(source);
    }
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
    [
      { "claude-sonnet-4-6": { cache_read_long: 1 } },
      /\.input_long: required when giving long-context prices/,
    ],
    [{ "claude-sonnet-4-6": { input_long: 1 } }, /\.output_long: required/],
    [{ "": { input: 1, output: 1 } }, /a model id is required/],
    // A row's fields, types and ranges are the config schema's to check (schema.test.ts).
  ])("rejects %j", (overrides, message) => {
    expect(() => createPricing(overrides)).toThrow(UsageError);
    expect(() => createPricing(overrides)).toThrow(message);
  });

  it.each([
    [{ "my-model": { input: 1 } }, ["my-model", "output"]],
    [{ "claude-opus-5-5": { input_long: 1 } }, ["claude-opus-5-5", "output_long"]],
    [{ "[1m]": { input: 1, output: 1 } }, ["[1m]"]],
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
    expect(cost).toBe(expected === null ? null : known(expected).nanoUsd);
    if (expected !== null) expect(cost).toBeGreaterThan(0);
  });
});
