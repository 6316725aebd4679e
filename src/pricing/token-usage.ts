/**
 * The token counts of one response, read from the shapes Anthropic's API and Claude Code's
 * transcripts carry them in: the one input both the gateway and `usage --subscription` price.
 */

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

function count(value: unknown): number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
