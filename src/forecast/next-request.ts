import type { Pricing } from "../pricing/pricing.js";
import type { TokenUsage } from "../pricing/token-usage.js";
import { promptTokens, type RequestEvent } from "./events.js";
import { median } from "./stats.js";

/**
 * The next request on the API key, from the conversation's last request.
 *
 * The subscription's prompt cache does not carry over to the API key, so the first request there
 * writes the whole context to the cache again: the last request's prompt (uncached input + cache
 * reads + cache writes) plus its answer (now part of the conversation) plus the new part (the tool
 * result or prompt that follows), all at the 5-minute cache-write rate (Claude Code's default TTL on
 * an API key), and a typical answer. A following request reads that context from the cache and
 * writes only its own new part. ~150,000 tokens on Opus 4.5 or later: 150,000 × $6.25/MTok =
 * $0.94 for the cache write alone.
 */

/** The size of what a typical request adds and answers. */
export interface RequestShape {
  /** New prompt tokens per request (tool results, the user's prompt): uncached input + cache writes. */
  newTokens: number;
  outputTokens: number;
}

/** With no history to take them from: a tool result of a few thousand tokens, a short answer. */
export const DEFAULT_REQUEST_SHAPE: Readonly<RequestShape> = Object.freeze({
  newTokens: 3_000,
  outputTokens: 600,
});

/** Requests the typical shape is taken from: the most recent ones. */
export const SHAPE_SAMPLE = 200;

/** The median new tokens and output of the most recent requests with token counts. */
export function typicalRequestShape(events: readonly RequestEvent[]): RequestShape {
  const withUsage = events.filter((event) => event.usage !== null);
  if (withUsage.length === 0) return { ...DEFAULT_REQUEST_SHAPE };
  // The time of the SHAPE_SAMPLE-th most recent (a typed-array sort: histories run to 100,000s).
  const times = new Float64Array(withUsage.length);
  withUsage.forEach((event, i) => {
    times[i] = event.at;
  });
  times.sort();
  const since = times[Math.max(0, times.length - SHAPE_SAMPLE)]!;
  const usages = withUsage
    .filter((event) => event.at >= since)
    .sort((a, b) => b.at - a.at)
    .slice(0, SHAPE_SAMPLE)
    .map((event) => event.usage!);
  return {
    newTokens: median(
      usages.map((u) => u.input_tokens + u.cache_creation_5m_input_tokens + u.cache_creation_1h_input_tokens),
    ),
    outputTokens: median(usages.map((u) => u.output_tokens)),
  };
}

/** The context the next request carries: the last prompt and its answer. */
export function contextAfter(usage: TokenUsage): number {
  return promptTokens(usage) + usage.output_tokens;
}

function usageOf(parts: Partial<TokenUsage>): TokenUsage {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_5m_input_tokens: 0,
    cache_creation_1h_input_tokens: 0,
    cache_read_input_tokens: 0,
    ...parts,
  };
}

/** A request reading `contextTokens` from the cache and writing the shape's new part. */
export function cachedRequestUsage(contextTokens: number, shape: RequestShape): TokenUsage {
  return usageOf({
    cache_read_input_tokens: contextTokens,
    cache_creation_5m_input_tokens: shape.newTokens,
    output_tokens: shape.outputTokens,
  });
}

/** The first request on the key: the context and the new part written to the cache. */
export function firstRequestUsage(contextTokens: number, shape: RequestShape): TokenUsage {
  return usageOf({
    cache_creation_5m_input_tokens: contextTokens + shape.newTokens,
    output_tokens: shape.outputTokens,
  });
}

export interface NextRequestCost {
  /** The model priced (as given). */
  model: string;
  contextTokens: number;
  shape: RequestShape;
  /** Null when the model is not in the price table. */
  firstNano: number | null;
  cachedNano: number | null;
}

export function nextRequestCost(
  lastUsage: TokenUsage,
  model: string,
  shape: RequestShape,
  pricing: Pricing,
): NextRequestCost {
  const contextTokens = contextAfter(lastUsage);
  const first = pricing.cost(model, firstRequestUsage(contextTokens, shape));
  const cached = pricing.cost(model, cachedRequestUsage(contextTokens, shape));
  return {
    model,
    contextTokens,
    shape,
    firstNano: first.known ? first.nanoUsd : null,
    cachedNano: cached.known ? cached.nanoUsd : null,
  };
}
