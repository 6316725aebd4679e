import { describe, expect, it } from "vitest";
import { usage } from "../../test/support/pricing.js";
import { tokenUsageFromApi } from "./token-usage.js";

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
