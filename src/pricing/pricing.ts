/**
 * The price list (SPEC §7): the shipped table (`prices.ts`) merged with the config file's
 * `pricing` overrides, found by any spelling of a model id. What a response costs at a row is
 * `cost.ts`. Pure: no I/O, no clock, no globals mutated.
 */

import { UsageError } from "../errors.js";
import { type CompiledRow, type CostResult, compileRow, longRates, priceUsage } from "./cost.js";
import { CACHE_MULTIPLIERS, type PriceRow, SHIPPED_MODELS } from "./prices.js";
import type { TokenUsage } from "./token-usage.js";

export type { PriceRow, RateSet, ShippedModel } from "./prices.js";
export {
  DEFAULT_LONG_CONTEXT_THRESHOLD,
  PRICE_SOURCES,
  PRICES_CHECKED,
  SHIPPED_MODELS,
  WEB_SEARCH_USD_PER_1000,
} from "./prices.js";

/**
 * A `pricing` override the price list cannot use: a key that names no model, or a row incomplete
 * for its model. `path` is where, below `pricing`: the model key, then the field; the config
 * loader names it the way it names every other key.
 */
export class PriceOverrideError extends UsageError {
  constructor(
    readonly path: readonly string[],
    readonly problem: string,
  ) {
    const [model = "", ...fields] = path;
    super(`pricing.${[JSON.stringify(model), ...fields].join(".")}: ${problem}`);
  }
}

/**
 * A `pricing` row: any subset of a price row's fields ($ per million tokens). The config schema
 * (`PriceRowSchema`) is what checks a row's fields, types and ranges; here they are trusted.
 */
export type PriceOverride = Partial<PriceRow>;

export interface PricedModel {
  /** Canonical id: the shipped model's id, or the (normalised) config key of a config-defined model. */
  id: string;
  name: string;
  aliases: readonly string[];
  price: Readonly<PriceRow>;
  origin: "shipped" | "overridden" | "config";
}

export interface Pricing {
  /** The effective price row of a model id (any known spelling), or undefined when unknown. */
  find(model: string): Readonly<PriceRow> | undefined;
  /** Like `find`, with the canonical id, name and where the prices came from. */
  lookup(model: string): PricedModel | undefined;
  /** The cost of one response. An unknown model gives `{ known: false }`, never $0. */
  cost(model: string, usage: TokenUsage): CostResult;
  /** Every priced model, shipped ones first, in table order. */
  models(): readonly PricedModel[];
}

const LONG_KEYS = [
  "input_long",
  "output_long",
  "cache_write_5m_long",
  "cache_write_1h_long",
  "cache_read_long",
] as const satisfies readonly (keyof PriceRow)[];

/**
 * The id forms Claude Code, Bedrock, Vertex and proxies send, reduced to the Claude API form:
 * lower case; a trailing `[1m]` (Claude Code's 1M-context marker) dropped; a Bedrock / Claude
 * Platform prefix (`anthropic.`, `us.anthropic.`, `eu.anthropic.`, `global.anthropic.` …) dropped;
 * a Bedrock version suffix (`-v1:0`, `-v1`) dropped; a Vertex `@20250929` turned into `-20250929`.
 * The result is then matched exactly against ids and aliases — never by prefix or similarity, so
 * an unknown snapshot (`claude-sonnet-4-5-20991231`) stays unknown instead of borrowing a price.
 */
export function normalizeModelId(model: string): string {
  let id = model.trim().toLowerCase();
  id = id.replace(/\[1m\]$/, "");
  id = id.replace(/^(?:[a-z]{2,6}\.)?anthropic\./, "");
  id = id.replace(/-v\d+(?::\d+)?$/, "");
  id = id.replace(/@(\d{8})$/, "-$1");
  return id;
}

/**
 * Builds the effective price list: the shipped table with `overrides` (the config's `pricing`)
 * applied. Throws a {@link PriceOverrideError} (a UsageError) naming the key when a row is
 * incomplete for its model, the one rule about a row that needs the shipped table.
 *
 * - Key naming a known model (any spelling `normalizeModelId` accepts): only the given fields
 *   replace the shipped ones. Derived rates are not recomputed: overriding `input` alone leaves
 *   the shipped cache rates as they were.
 * - Any other key defines a new model, matched by exactly that id (normalised). `input` and
 *   `output` are required; `cache_write_5m`, `cache_write_1h` and `cache_read` default to 1.25 ×,
 *   2 × and 0.1 × `input` (Anthropic's standard multipliers).
 * - A long tier needs `input_long` and `output_long`; its cache rates default from `input_long`
 *   the same way, and it applies above 200,000 prompt tokens unless `long_context_threshold` says
 *   otherwise.
 */
export function createPricing(overrides: Readonly<Record<string, PriceOverride>> = {}): Pricing {
  const entries: PricedModel[] = [];
  const index = new Map<string, PricedModel>();

  for (const model of SHIPPED_MODELS) {
    const entry: PricedModel = {
      id: model.id,
      name: model.name,
      aliases: model.aliases,
      price: model.price,
      origin: "shipped",
    };
    entries.push(entry);
    for (const id of [model.id, ...model.aliases]) index.set(normalizeModelId(id), entry);
  }

  for (const [key, override] of Object.entries(overrides)) {
    const where = [key];
    const id = normalizeModelId(key);
    if (id === "") throw new PriceOverrideError(where, "a model id is required");
    const given = givenFields(override);
    const existing = index.get(id);
    if (existing) {
      // Several keys may name the same model (dated and undated): they apply in file order.
      const price = completeRow({ ...existing.price, ...given }, where, existing.price);
      existing.price = price;
      existing.origin = "overridden";
    } else {
      const price = completeRow(given, where, undefined);
      const entry: PricedModel = { id, name: key, aliases: [], price, origin: "config" };
      entries.push(entry);
      index.set(id, entry);
    }
  }

  // Compile each row once: rates in integer pico-dollars per token.
  const compiled = new Map<PricedModel, CompiledRow>();
  for (const entry of entries) {
    entry.price = deepFreeze(entry.price);
    compiled.set(entry, compileRow(entry.price));
  }
  const frozenEntries = entries.map((entry) => Object.freeze(entry));

  const lookup = (model: string): PricedModel | undefined => index.get(normalizeModelId(model));

  return {
    find: (model) => lookup(model)?.price,
    lookup,
    models: () => frozenEntries,
    cost(model, usage) {
      const entry = lookup(model);
      if (!entry) return { known: false, model };
      return priceUsage(model, entry.id, compiled.get(entry)!, usage);
    },
  };
}

/**
 * The cost of one recorded request (a transcript entry, a forecast's history) in nano-dollars, or
 * null when it cannot be known: no model recorded, or a model the price table does not have. The
 * one rule `usage --subscription` and the forecast share, so that both price a transcript alike
 * and neither counts an unknown cost as $0.
 */
export function knownCostNanoUsd(pricing: Pricing, model: string | null, usage: TokenUsage): number | null {
  if (model === null) return null;
  const cost = pricing.cost(model, usage);
  return cost.known ? cost.nanoUsd : null;
}

/** The fields a row gives: zod leaves an absent optional field `undefined`, which must not replace a rate. */
function givenFields(override: PriceOverride): PriceOverride {
  return Object.fromEntries(Object.entries(override).filter(([, value]) => value !== undefined));
}

/** Fills defaults of a new row (or checks a merged one) so that every base rate is present. */
function completeRow(row: PriceOverride, where: readonly string[], shipped: PriceRow | undefined): PriceRow {
  for (const key of ["input", "output"] as const) {
    if (row[key] === undefined) {
      throw new PriceOverrideError(
        [...where, key],
        "required for a model not in the shipped price table (give at least input and output)",
      );
    }
  }
  const input = row.input!;
  const out: PriceRow = {
    input,
    output: row.output!,
    cache_write_5m: row.cache_write_5m ?? input * CACHE_MULTIPLIERS.cache_write_5m,
    cache_write_1h: row.cache_write_1h ?? input * CACHE_MULTIPLIERS.cache_write_1h,
    cache_read: row.cache_read ?? input * CACHE_MULTIPLIERS.cache_read,
  };
  const anyLong = LONG_KEYS.some((key) => row[key] !== undefined);
  if (anyLong) {
    for (const key of ["input_long", "output_long"] as const) {
      if (row[key] === undefined) {
        throw new PriceOverrideError(
          [...where, key],
          `required when giving long-context prices${shipped ? " for a model without a long-context tier" : ""}`,
        );
      }
    }
    const long = longRates(row as PriceRow)!;
    out.input_long = long.input;
    out.output_long = long.output;
    out.cache_write_5m_long = long.cache_write_5m;
    out.cache_write_1h_long = long.cache_write_1h;
    out.cache_read_long = long.cache_read;
  }
  if (row.long_context_threshold !== undefined) out.long_context_threshold = row.long_context_threshold;
  if (row.fast !== undefined) out.fast = { ...row.fast };
  return out;
}

function deepFreeze<T extends object>(row: T): T {
  for (const value of Object.values(row))
    if (typeof value === "object" && value !== null) Object.freeze(value);
  return Object.freeze(row);
}
