/**
 * What one API response cost at one model's price row (SPEC §7); which row applies is the price
 * list's business (`pricing.ts`). Pure: no I/O, no clock, no globals mutated.
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

import { NANO_PER_USD } from "../money.js";
import {
  CACHE_MULTIPLIERS,
  DEFAULT_LONG_CONTEXT_THRESHOLD,
  INFERENCE_GEO_MULTIPLIERS,
  type PriceRow,
  type RateSet,
  WEB_FETCH_USD_PER_1000,
  WEB_SEARCH_USD_PER_1000,
} from "./prices.js";
import type { TokenUsage } from "./token-usage.js";

const RATE_KEYS = ["input", "output", "cache_write_5m", "cache_write_1h", "cache_read"] as const;
type RateKey = (typeof RATE_KEYS)[number];

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

/** A price row made ready for arithmetic: each tier's rates in integer pico-dollars per token. */
export interface CompiledRow {
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

/** The long tier of a row, its cache rates defaulting from `input_long`; undefined without one. */
export function longRates(row: PriceRow): RateSet | undefined {
  if (row.input_long === undefined || row.output_long === undefined) return undefined;
  return {
    input: row.input_long,
    output: row.output_long,
    cache_write_5m: row.cache_write_5m_long ?? row.input_long * CACHE_MULTIPLIERS.cache_write_5m,
    cache_write_1h: row.cache_write_1h_long ?? row.input_long * CACHE_MULTIPLIERS.cache_write_1h,
    cache_read: row.cache_read_long ?? row.input_long * CACHE_MULTIPLIERS.cache_read,
  };
}

export function compileRow(row: PriceRow): CompiledRow {
  const long = longRates(row);
  return {
    standard: compileRates(row),
    ...(long && { long: compileRates(long) }),
    longThreshold: row.long_context_threshold ?? DEFAULT_LONG_CONTEXT_THRESHOLD,
    ...(row.fast && { fast: compileRates(row.fast) }),
  };
}

/** The cost of `usage` at a compiled row; `pricedAs` is the table entry the model was found as. */
export function priceUsage(model: string, pricedAs: string, row: CompiledRow, usage: TokenUsage): CostResult {
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
    pricedAs,
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
