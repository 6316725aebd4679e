import type { Pricing } from "../pricing/pricing.js";
import { cachedRequestUsage, type RequestShape } from "./next-request.js";

/**
 * Cold start: a project with no history, estimated from its tracked files (the original plan's
 * "codebase analysis"). An estimate from the codebase, not from history, and labelled so.
 *
 * Tokens: bytes / 4, or bytes / 2 for JSON — the rough ratio Claude Code 2.1.330 itself uses to
 * size a file read before counting it — and at most {@link FILE_READ_MAX_TOKENS} per file, since
 * Claude Code refuses to read a larger file whole (it reads it in parts or searches it).
 *
 * The context a session loads: Claude Code's own system prompt and tool definitions
 * ({@link SESSION_BASE_TOKENS}), plus the part of the codebase the session reads, between
 * {@link WORKING_SET_SHARE}.low and .high of it, never past {@link CONTEXT_CEILING_TOKENS} (Claude
 * Code compacts the conversation before the 200k window fills). A request then costs a cached read
 * of that context plus a typical new part and answer; an active hour holds
 * {@link REQUESTS_PER_ACTIVE_HOUR} requests unless the user's own history says how many.
 * The shares, base and request rate are assumptions, not measurements: the range is wide on purpose.
 */

export const BYTES_PER_TOKEN = 4;
export const JSON_BYTES_PER_TOKEN = 2;
export const FILE_READ_MAX_TOKENS = 25_000;
export const SESSION_BASE_TOKENS = 20_000;
export const CONTEXT_CEILING_TOKENS = 160_000;
export const WORKING_SET_SHARE = Object.freeze({ low: 0.1, high: 0.4 });
export const REQUESTS_PER_ACTIVE_HOUR = Object.freeze({ low: 40, high: 120 });

/** A tracked file: its path (for the JSON ratio) and size. */
export interface CodebaseFile {
  path: string;
  bytes: number;
}

export interface Range {
  low: number;
  high: number;
}

export interface CodebaseEstimate {
  files: number;
  bytes: number;
  /** The codebase in tokens, by the ratios above. */
  tokens: number;
  /** The context a session loads, tokens. */
  contextTokens: Range;
  requestsPerActiveHour: Range;
  /** Per request and per active hour, nano-dollars; null when the model has no price. */
  perRequestNano: Range | null;
  perHourNano: Range | null;
}

export function fileTokens(file: CodebaseFile): number {
  const ratio = /\.(json|jsonc|jsonl)$/i.test(file.path) ? JSON_BYTES_PER_TOKEN : BYTES_PER_TOKEN;
  return Math.min(FILE_READ_MAX_TOKENS, Math.ceil(Math.max(0, file.bytes) / ratio));
}

export function estimateCodebase(
  files: readonly CodebaseFile[],
  model: string | null,
  shape: RequestShape,
  pricing: Pricing,
  requestsPerActiveHour: Range = REQUESTS_PER_ACTIVE_HOUR,
): CodebaseEstimate {
  const tokens = files.reduce((sum, file) => sum + fileTokens(file), 0);
  const loaded = (share: number) =>
    Math.min(CONTEXT_CEILING_TOKENS, SESSION_BASE_TOKENS + Math.round(tokens * share));
  const contextTokens = { low: loaded(WORKING_SET_SHARE.low), high: loaded(WORKING_SET_SHARE.high) };
  const price = (context: number): number | null => {
    if (model === null) return null;
    const cost = pricing.cost(model, cachedRequestUsage(context, shape));
    return cost.known ? cost.nanoUsd : null;
  };
  const low = price(contextTokens.low);
  const high = price(contextTokens.high);
  const perRequestNano = low === null || high === null ? null : { low, high };
  return {
    files: files.length,
    bytes: files.reduce((sum, file) => sum + Math.max(0, file.bytes), 0),
    tokens,
    contextTokens,
    requestsPerActiveHour,
    perRequestNano,
    perHourNano: perRequestNano && {
      low: perRequestNano.low * requestsPerActiveHour.low,
      high: perRequestNano.high * requestsPerActiveHour.high,
    },
  };
}

/**
 * The codebase estimate as a pace: the geometric middle of the hourly range as the expectation
 * (the range spans several times, and the arithmetic middle would lean on its top), its top as
 * the 90th percentile.
 */
export function codebasePace(perHourNano: Range): { nanoPerHour: number; p50: number; p90: number } {
  const middle = Math.sqrt(perHourNano.low * perHourNano.high);
  return { nanoPerHour: middle, p50: middle, p90: perHourNano.high };
}
