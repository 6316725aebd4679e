/** Limits of an API-key organisation, large enough that the simulator never throttles one by them. */
const LIMITS = { requests: 4000, "input-tokens": 2_000_000, "output-tokens": 400_000, tokens: 2_400_000 };

/** RFC 3339 in whole seconds, as the real `-reset` headers are. */
function rfc3339(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** The `anthropic-ratelimit-requests-*` / `-tokens-*` headers of an API-key response; never the unified ones. */
export function apiKeyRateLimitHeaders(now: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, limit] of Object.entries(LIMITS)) {
    headers[`anthropic-ratelimit-${name}-limit`] = String(limit);
    headers[`anthropic-ratelimit-${name}-remaining`] = String(limit - 1);
    headers[`anthropic-ratelimit-${name}-reset`] = rfc3339(now);
  }
  return headers;
}
