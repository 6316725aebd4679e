import type { CostResult } from "../../src/pricing/cost.js";
import type { TokenUsage } from "../../src/pricing/token-usage.js";

/** A token usage with every count 0 but the ones given. */
export function usage(partial: Partial<TokenUsage> = {}): TokenUsage {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_5m_input_tokens: 0,
    cache_creation_1h_input_tokens: 0,
    cache_read_input_tokens: 0,
    ...partial,
  };
}

/** The cost of a model the test expects to be priced; throws on an unknown one. */
export function known(result: CostResult): Extract<CostResult, { known: true }> {
  if (!result.known) throw new Error(`expected a known model, got unknown ${result.model}`);
  return result;
}

/** Every token kind at once: 1k input, 2k output, 3k 5-minute writes, 4k 1-hour writes, 50k reads. */
export const ALL_KINDS = usage({
  input_tokens: 1_000,
  output_tokens: 2_000,
  cache_creation_5m_input_tokens: 3_000,
  cache_creation_1h_input_tokens: 4_000,
  cache_read_input_tokens: 50_000,
});
