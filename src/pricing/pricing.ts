/**
 * Pricing (SPEC §7): what one API response cost, from the shipped table (`prices.ts`) merged with
 * the config file's `pricing` overrides. Pure: no I/O, no clock, no globals mutated.
 *
 * Money representation. Every cost leaves this module as an integer number of nano-dollars
 * (1 n$ = 10⁻⁹ USD), `nanoUsd`; `usd` is the same amount as a float, for display only. Why:
 *  - Rates are published in $ per million tokens with at most three decimals ($0.125, $18.75), so
 *    one token costs an integer number of nano-dollars (0.125 $/MTok = 125 n$/token). Internally
 *    rates are held in pico-dollars per token (10⁻¹² USD), which also keeps the 1.1 × US-inference
 *    multiplier and any override rate with up to six decimals exact; products are taken in BigInt.
 *  - Each cost category of a request is rounded once, half up, to whole nano-dollars; the request
 *    total is the sum of its rounded categories. With the published rates no rounding happens at
 *    all; with the US multiplier or odd override rates the error is < 0.5 n$ per category — under
 *    $0.000003 per request, and deterministic (the same usage always gives the same integer).
 *  - A ledger stores and sums these integers (SQLite INTEGER, JS number): addition is exact up to
 *    2⁵³ n$ ≈ $9 million, so 10 000 or 10 million rows sum with no drift. Summing float dollars
 *    would not be exact (0.1 + 0.2 ≠ 0.3); never sum `usd`.
 */

import { UsageError } from "../errors.js";
import { NANO_PER_USD } from "../money.js";
import {
  CACHE_MULTIPLIERS,
  DEFAULT_LONG_CONTEXT_THRESHOLD,
  INFERENCE_GEO_MULTIPLIERS,
  type PriceRow,
  type RateSet,
  SHIPPED_MODELS,
  WEB_FETCH_USD_PER_1000,
  WEB_SEARCH_USD_PER_1000,
} from "./prices.js";

export type { PriceRow, RateSet, ShippedModel } from "./prices.js";
export {
  DEFAULT_LONG_CONTEXT_THRESHOLD,
  PRICE_SOURCES,
  PRICES_CHECKED,
  SHIPPED_MODELS,
  WEB_SEARCH_USD_PER_1000,
} from "./prices.js";

/** Token counts of one response, as the Messages API reports them (cache writes split by TTL). */
export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_5m_input_tokens: number;
  cache_creation_1h_input_tokens: number;
  cache_read_input_tokens: number;
  server_tool_use?: { web_search_requests?: number; web_fetch_requests?: number };
  /** `usage.speed`: "fast" bills at the model's fast-mode rates when it has them. */
  speed?: string | null;
  /** `usage.inference_geo`: "us" costs 1.1 × on every token category. */
  inference_geo?: string | null;
}

/**
 * An unusable `pricing` override. `path` is where, below `pricing`: the model key, then the
 * field; the config loader names it the way it names every other key.
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

/** The config's `pricing` row: any subset of the rate fields ($ per million tokens). */
export type PriceOverride = Partial<PriceRow>;

/** Per-category cost of one request in nano-dollars; they add up to `nanoUsd`. */
export interface CostBreakdown {
  input: number;
  output: number;
  cache_write_5m: number;
  cache_write_1h: number;
  cache_read: number;
  web_search: number;
}

export type PriceTier = "standard" | "long_context" | "fast";

export type CostResult =
  | {
      known: true;
      /** The model id as given. */
      model: string;
      /** The table entry it was priced as (canonical id, or the override key for a config model). */
      pricedAs: string;
      tier: PriceTier;
      longContext: boolean;
      /** The rates applied, $ per million tokens, before any inference-geo multiplier. */
      rates: RateSet;
      /** 1, or 1.1 for `inference_geo: "us"`. */
      geoMultiplier: number;
      /** Prompt size that decided the tier: input + cache writes + cache reads. */
      promptTokens: number;
      /** Exact cost in nano-dollars (integer). Sum this. */
      nanoUsd: number;
      /** `nanoUsd / 1e9`, for display. Do not sum. */
      usd: number;
      breakdown: CostBreakdown;
    }
  | { known: false; model: string };

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

const RATE_KEYS = ["input", "output", "cache_write_5m", "cache_write_1h", "cache_read"] as const;
type RateKey = (typeof RATE_KEYS)[number];
const LONG_KEYS = {
  input: "input_long",
  output: "output_long",
  cache_write_5m: "cache_write_5m_long",
  cache_write_1h: "cache_write_1h_long",
  cache_read: "cache_read_long",
} as const satisfies Record<RateKey, keyof PriceRow>;
const OVERRIDE_KEYS = [
  ...RATE_KEYS,
  ...Object.values(LONG_KEYS),
  "long_context_threshold",
  "fast",
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
 * Reads an Anthropic `usage` object (JSON body, SSE `message_start` / `message_delta`, or a
 * Claude Code transcript line) into a {@link TokenUsage}. Missing or malformed counts are 0.
 * Cache writes: the 1-hour part is `cache_creation.ephemeral_1h_input_tokens`; everything else of
 * `cache_creation_input_tokens` is billed as 5-minute writes (which is what older responses
 * without the `cache_creation` breakdown were).
 */
export function tokenUsageFromApi(usage: unknown): TokenUsage {
  const u = isRecord(usage) ? usage : {};
  const creation = isRecord(u.cache_creation) ? u.cache_creation : {};
  const eph5m = count(creation.ephemeral_5m_input_tokens);
  const eph1h = count(creation.ephemeral_1h_input_tokens);
  const totalWrites =
    u.cache_creation_input_tokens === undefined ? eph5m + eph1h : count(u.cache_creation_input_tokens);
  const oneHour = Math.min(eph1h, totalWrites);
  const result: TokenUsage = {
    input_tokens: count(u.input_tokens),
    output_tokens: count(u.output_tokens),
    cache_creation_5m_input_tokens: totalWrites - oneHour,
    cache_creation_1h_input_tokens: oneHour,
    cache_read_input_tokens: count(u.cache_read_input_tokens),
  };
  if (isRecord(u.server_tool_use)) {
    result.server_tool_use = {
      web_search_requests: count(u.server_tool_use.web_search_requests),
      web_fetch_requests: count(u.server_tool_use.web_fetch_requests),
    };
  }
  if (typeof u.speed === "string") result.speed = u.speed;
  if (typeof u.inference_geo === "string") result.inference_geo = u.inference_geo;
  return result;
}

/**
 * Builds the effective price list: the shipped table with `overrides` (the config's `pricing`)
 * applied. Throws a {@link PriceOverrideError} (a UsageError) naming the key when an override is unusable.
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
    const given = cleanOverride(override, where);
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
      return priceUsage(model, entry, compiled.get(entry)!, usage);
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

// ── internals ───────────────────────────────────────────────────────────────────────────────────

interface CompiledRow {
  standard: PicoRates;
  long?: PicoRates;
  longThreshold: number;
  fast?: PicoRates;
}

interface PicoRates {
  usd: RateSet;
  pico: Record<RateKey, bigint>;
}

const PICO_PER_NANO = 1000n;
const WEB_SEARCH_NANO = BigInt(Math.round((WEB_SEARCH_USD_PER_1000 / 1000) * NANO_PER_USD));
const WEB_FETCH_NANO = BigInt(Math.round((WEB_FETCH_USD_PER_1000 / 1000) * NANO_PER_USD));

/** $ per million tokens → pico-dollars per token (exact for rates with up to six decimals). */
function picoPerToken(usdPerMillion: number): bigint {
  return BigInt(Math.round(usdPerMillion * 1_000_000));
}

function compileRates(rates: RateSet): PicoRates {
  const usd = pickRates(rates);
  const pico = {} as Record<RateKey, bigint>;
  for (const key of RATE_KEYS) pico[key] = picoPerToken(usd[key]);
  return { usd: Object.freeze(usd), pico };
}

function pickRates(rates: RateSet): RateSet {
  return {
    input: rates.input,
    output: rates.output,
    cache_write_5m: rates.cache_write_5m,
    cache_write_1h: rates.cache_write_1h,
    cache_read: rates.cache_read,
  };
}

function longRates(row: PriceRow): RateSet | undefined {
  if (row.input_long === undefined || row.output_long === undefined) return undefined;
  return {
    input: row.input_long,
    output: row.output_long,
    cache_write_5m: row.cache_write_5m_long ?? row.input_long * CACHE_MULTIPLIERS.cache_write_5m,
    cache_write_1h: row.cache_write_1h_long ?? row.input_long * CACHE_MULTIPLIERS.cache_write_1h,
    cache_read: row.cache_read_long ?? row.input_long * CACHE_MULTIPLIERS.cache_read,
  };
}

function compileRow(row: PriceRow): CompiledRow {
  const long = longRates(row);
  return {
    standard: compileRates(row),
    ...(long && { long: compileRates(long) }),
    longThreshold: row.long_context_threshold ?? DEFAULT_LONG_CONTEXT_THRESHOLD,
    ...(row.fast && { fast: compileRates(row.fast) }),
  };
}

function priceUsage(model: string, entry: PricedModel, row: CompiledRow, usage: TokenUsage): CostResult {
  const tokens = {
    input: tokenCount(usage.input_tokens, "input_tokens"),
    output: tokenCount(usage.output_tokens, "output_tokens"),
    cache_write_5m: tokenCount(usage.cache_creation_5m_input_tokens, "cache_creation_5m_input_tokens"),
    cache_write_1h: tokenCount(usage.cache_creation_1h_input_tokens, "cache_creation_1h_input_tokens"),
    cache_read: tokenCount(usage.cache_read_input_tokens, "cache_read_input_tokens"),
  } satisfies Record<RateKey, number>;
  const searches = tokenCount(usage.server_tool_use?.web_search_requests ?? 0, "web_search_requests");
  const fetches = tokenCount(usage.server_tool_use?.web_fetch_requests ?? 0, "web_fetch_requests");

  // The long tier is decided by the whole prompt, cached parts included; above the threshold it
  // applies to every token of the request. Fast mode has one rate for the whole context window.
  const promptTokens = tokens.input + tokens.cache_write_5m + tokens.cache_write_1h + tokens.cache_read;
  const isLong = row.long !== undefined && promptTokens > row.longThreshold;
  let tier: PriceTier = "standard";
  let rates = row.standard;
  if (usage.speed === "fast" && row.fast) {
    tier = "fast";
    rates = row.fast;
  } else if (isLong && row.long) {
    tier = "long_context";
    rates = row.long;
  }

  const [geoNum, geoDen] = INFERENCE_GEO_MULTIPLIERS[usage.inference_geo ?? ""] ?? [1, 1];
  const num = BigInt(geoNum);
  const den = BigInt(geoDen) * PICO_PER_NANO;
  const breakdown = {} as CostBreakdown;
  let total = 0;
  for (const key of RATE_KEYS) {
    const nano = roundHalfUp(BigInt(tokens[key]) * rates.pico[key] * num, den);
    breakdown[key] = nano;
    total += nano;
  }
  breakdown.web_search = toSafeNumber(BigInt(searches) * WEB_SEARCH_NANO + BigInt(fetches) * WEB_FETCH_NANO);
  total += breakdown.web_search;
  if (!Number.isSafeInteger(total)) throw new RangeError(`cost of one request out of range for ${model}`);

  return {
    known: true,
    model,
    pricedAs: entry.id,
    tier,
    longContext: tier === "long_context",
    rates: rates.usd,
    geoMultiplier: geoNum / geoDen,
    promptTokens,
    nanoUsd: total,
    usd: total / NANO_PER_USD,
    breakdown,
  };
}

function roundHalfUp(numerator: bigint, denominator: bigint): number {
  return toSafeNumber((numerator * 2n + denominator) / (denominator * 2n));
}

function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError("cost out of range");
  return Number(value);
}

function tokenCount(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`usage.${name} must be a whole number ≥ 0, got ${String(value)}`);
  }
  return value;
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isRate(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** Keeps the known, defined fields of an override and checks their types. */
function cleanOverride(override: PriceOverride, where: readonly string[]): PriceOverride {
  if (!isRecord(override))
    throw new PriceOverrideError(where, `expected an object of prices, got ${describe(override)}`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    if (!(OVERRIDE_KEYS as readonly string[]).includes(key)) {
      throw new PriceOverrideError(
        [...where, key],
        `unknown price field; allowed: ${OVERRIDE_KEYS.join(", ")}`,
      );
    }
    if (key === "fast") {
      out.fast = checkRateSet(value, [...where, "fast"]);
    } else if (key === "long_context_threshold") {
      if (!Number.isSafeInteger(value) || (value as number) <= 0) {
        throw new PriceOverrideError(
          [...where, key],
          `${describe(value)} is not allowed; expected a whole number of tokens > 0`,
        );
      }
      out[key] = value;
    } else {
      if (!isRate(value)) {
        throw new PriceOverrideError(
          [...where, key],
          `${describe(value)} is not allowed; expected a price in US dollars per million tokens ≥ 0`,
        );
      }
      out[key] = value;
    }
  }
  return out as PriceOverride;
}

function checkRateSet(value: unknown, where: readonly string[]): RateSet {
  if (!isRecord(value))
    throw new PriceOverrideError(where, `expected an object of prices, got ${describe(value)}`);
  for (const key of RATE_KEYS) {
    if (!isRate(value[key])) {
      throw new PriceOverrideError(
        [...where, key],
        `${describe(value[key])} is not allowed; expected a price ≥ 0`,
      );
    }
  }
  return pickRates(value as unknown as RateSet);
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
  const anyLong = Object.values(LONG_KEYS).some((key) => row[key] !== undefined);
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
